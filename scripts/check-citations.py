#!/usr/bin/env python3
"""Fails when the repository points at a document it does not hold, or cites docs/api.md wrongly.

Every file git tracks is read (text files only):
- no mention of `shared/` (the design notes and API reference outside the repository) or of a "spec §N"
  document: the project's API notes are docs/api.md, cited as `api.md §N` (`docs/api.md §N` where the
  reader is not in docs/);
- every `§N` or `§N.M` resolves to a heading of docs/api.md (`## N.` or `### N.M`), and every
  "rule N" / "rules N–M" after §14 or §16 names one of its rules (1–29 in §14, 30–40 in §16).
Run from anywhere; exits 1 with one line per problem.
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTES = "docs/api.md"
SELF = "scripts/check-citations.py"
# CI's entry point is the one file that wires in the toolchain kit laid beside the checkout.
CI_ENTRY = ".ci/run"

FORBIDDEN = [
    (re.compile(r"shared/"), "points outside the repository (shared/)"),
    (re.compile(r"\bspec\s*§", re.IGNORECASE), 'cites "spec §": cite api.md §N'),
    (re.compile(r"spec/mdca-api", re.IGNORECASE), "names the reference outside the repository"),
]
SECTION = re.compile(r"§\s?(\d+)(?:\.(\d+))?")
RULES = re.compile(r"§(14|16)\b[^§\n]{0,12}?\brules?\s+(\d+)(?:\s*[–-]\s*(\d+))?")
RULE_RANGE = {"14": range(1, 30), "16": range(30, 41)}


def headings():
    found = set()
    for line in (ROOT / NOTES).read_text(encoding="utf-8").splitlines():
        m = re.match(r"^##\s+(\d+)\.\s", line)
        if m:
            found.add(m.group(1))
        m = re.match(r"^###\s+(\d+)\.(\d+)\s", line)
        if m:
            found.add(f"{m.group(1)}.{m.group(2)}")
    return found


def main():
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    known = headings()
    problems = []
    for name in files:
        if name in (SELF, CI_ENTRY, "Cargo.lock"):
            continue
        try:
            text = (ROOT / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            where = f"{name}:{number}"
            for pattern, why in FORBIDDEN:
                if pattern.search(line):
                    problems.append(f"{where}: {why}: {line.strip()[:120]}")
            for m in SECTION.finditer(line):
                section = m.group(1) + (f".{m.group(2)}" if m.group(2) else "")
                if section not in known and m.group(1) not in known:
                    problems.append(f"{where}: §{section} is not a section of {NOTES}")
                elif m.group(2) and section not in known:
                    problems.append(f"{where}: §{section} is not a subsection of {NOTES}")
            for m in RULES.finditer(line):
                first = int(m.group(2))
                last = int(m.group(3) or first)
                allowed = RULE_RANGE[m.group(1)]
                if first not in allowed or last not in allowed:
                    problems.append(
                        f"{where}: §{m.group(1)} has rules {allowed.start}–{allowed.stop - 1}, "
                        f"not {m.group(0)!r}"
                    )
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"{len(problems)} citation problem(s): see docs/api.md for its sections", file=sys.stderr)
        return 1
    print(f"citations: {len(files)} files checked, every § resolves in {NOTES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
