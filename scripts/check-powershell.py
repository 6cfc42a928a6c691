#!/usr/bin/env python3
"""Static checks of the PowerShell module (pwsh cannot run in CI, so these stand in for PSScriptAnalyzer
and Pester's help tests).

Checks, each reported by name; the exit status is the number of failed checks:
  parse        every .ps1/.psm1/.psd1 under powershell/ parses without error (tree-sitter-powershell)
  manifest     FunctionsToExport lists exactly the module's public functions and Export-ModuleMember;
               no exported variables, cmdlets or aliases; CompatiblePSEditions has Desktop and Core
  help         every exported function has comment-based help with .SYNOPSIS, .DESCRIPTION, at least one
               .EXAMPLE with code, and a .PARAMETER entry for each declared parameter (and no stale ones)
  dllimport    every DllImport("mdca") entry point in Mdca.Interop.cs is declared in include/mdca.h with
               the same number of parameters
  parameters   the filter parameters each cmdlet declares are exactly those the Rust mapping accepts
               (mdca_params_describe, read from the built library), with the same ValidateSet names
  conventions  approved verbs; list cmdlets SupportsPaging with -Filter/-All/-PageSize and an -Identity
               bound from the pipeline's _id, forwarding to the right entity; state-changing cmdlets
               SupportsShouldProcess; secrets typed SecureString/PSCredential; no global scope,
               Write-Host, or plain-text SecureString conversion

Usage: scripts/check-powershell.py [--library target/debug/libmdca.so]   (build it first: cargo build -p mdca)
Needs: pip install tree-sitter tree-sitter-powershell (scripts/install-csharp-tools.sh does it).
"""

import argparse
import ctypes
import json
import os
import re
import sys
from pathlib import Path

import tree_sitter_powershell
from tree_sitter import Language, Parser

ROOT = Path(__file__).resolve().parent.parent
MODULE = ROOT / "powershell" / "Mdca"
HEADER = ROOT / "include" / "mdca.h"

# Parameters that are PowerShell plumbing or cmdlet-level, not part of the Rust request mapping.
NOT_MAPPED = {"Identity", "Tree"}

# Get-* cmdlet → entity of the Rust mapping.
LIST_CMDLETS = {
    "Get-MdcaActivity": "activities",
    "Get-MdcaAlert": "alerts",
    "Get-MdcaFile": "files",
    "Get-MdcaEntity": "entities",
    "Get-MdcaSubnet": "subnets",
}

PARSER = Parser(Language(tree_sitter_powershell.language()))
failures = []


def fail(check, message):
    failures.append((check, message))
    print(f"FAIL [{check}] {message}")


def text(source, node):
    return source[node.start_byte:node.end_byte].decode("utf-8")


def walk(node):
    yield node
    for child in node.children:
        yield from walk(child)


def parse(path):
    source = path.read_bytes()
    return source, PARSER.parse(source)


def check_parse():
    files = sorted(p for ext in ("*.ps1", "*.psm1", "*.psd1") for p in ROOT.glob(f"powershell/**/{ext}"))
    if not files:
        fail("parse", "no PowerShell files found under powershell/")
    for path in files:
        source, tree = parse(path)
        bad = [n for n in walk(tree.root_node) if n.type == "ERROR" or n.is_missing]
        for node in bad[:5]:
            line = node.start_point[0] + 1
            fail("parse", f"{path.relative_to(ROOT)}:{line}: syntax error near {text(source, node)[:60]!r}")
        if not bad:
            print(f"ok   [parse] {path.relative_to(ROOT)}")


class Function:
    def __init__(self, name, help_text, params, body=""):
        self.name = name
        self.help = help_text
        self.body = body
        # name → {"attributes": [text…], "sets": {set names}, "validate_set": [values] or None}
        self.params = params


def parameter_info(source, script_parameter):
    attributes = []
    name = None
    for child in script_parameter.children:
        if child.type == "attribute_list":
            attributes = [text(source, a) for a in child.children if a.type == "attribute"]
        elif child.type == "variable":
            name = text(source, child).lstrip("$")
    sets = set()
    validate_set = None
    for attribute in attributes:
        match = re.search(r"ParameterSetName\s*=\s*'([^']+)'", attribute)
        if match:
            sets.add(match.group(1))
        if re.match(r"\[\s*ValidateSet\s*\(", attribute, re.I):
            validate_set = re.findall(r"'([^']*)'", attribute)
    return name, {"attributes": attributes, "sets": sets, "validate_set": validate_set}


def functions(path):
    source, tree = parse(path)
    found = {}
    for node in walk(tree.root_node):
        if node.type != "function_statement":
            continue
        name = next(text(source, c) for c in node.children if c.type == "function_name")
        help_text = ""
        for child in node.children:
            if child.type == "comment" and text(source, child).startswith("<#"):
                help_text = text(source, child)
                break
            if child.type == "script_block":
                first = child.children[0] if child.children else None
                if first is not None and first.type == "comment" and text(source, first).startswith("<#"):
                    help_text = text(source, first)
                break
        params = {}
        for inner in walk(node):
            if inner.type == "param_block":
                for p in walk(inner):
                    if p.type == "script_parameter":
                        pname, info = parameter_info(source, p)
                        params[pname] = info
                break
        found[name] = Function(name, help_text, params, text(source, node))
    return found


def exported_names(psm1_source):
    match = re.search(r"Export-ModuleMember\s+-Function\s+@\((.*?)\)", psm1_source, re.S)
    return set(re.findall(r"'([^']+)'", match.group(1))) if match else set()


def manifest_list(manifest, key):
    match = re.search(rf"{key}\s*=\s*@\((.*?)\)", manifest, re.S)
    if not match:
        return None
    return re.findall(r"'([^']+)'", match.group(1))


def check_manifest(public):
    manifest = (MODULE / "Mdca.psd1").read_text(encoding="utf-8")
    psm1 = (MODULE / "Mdca.psm1").read_text(encoding="utf-8")
    listed = manifest_list(manifest, "FunctionsToExport")
    if listed is None:
        fail("manifest", "FunctionsToExport is not an explicit list")
        return set()
    listed = set(listed)
    exported = exported_names(psm1)
    # Public functions are Verb-Mdca*; private helpers have nouns without the prefix.
    defined = {name for name in public if re.match(r"^[A-Za-z]+-Mdca", name)}
    for name in sorted(listed ^ defined):
        fail("manifest", f"{name}: in FunctionsToExport but not a public function, or the reverse")
    for name in sorted(listed ^ exported):
        fail("manifest", f"{name}: FunctionsToExport and Export-ModuleMember differ")
    for key in ("VariablesToExport", "CmdletsToExport", "AliasesToExport"):
        values = manifest_list(manifest, key)
        if values is None or values:
            fail("manifest", f"{key} must be an explicit empty list, is {values!r}")
    editions = manifest_list(manifest, "CompatiblePSEditions") or []
    if set(editions) != {"Desktop", "Core"}:
        fail("manifest", f"CompatiblePSEditions must be Desktop and Core, is {editions!r}")
    if "Mdca.format.ps1xml" not in manifest:
        fail("manifest", "the format views are not in FormatsToProcess")
    if not [f for f in failures if f[0] == "manifest"]:
        print(f"ok   [manifest] {len(listed)} functions exported, no variables")
    return listed


def help_sections(help_text):
    sections = []
    current = None
    for line in help_text.splitlines():
        match = re.match(r"^\s*\.([A-Z]+)\s*(\S*)", line)
        if match:
            current = [match.group(1), match.group(2), []]
            sections.append(current)
        elif current is not None:
            current[2].append(line.strip())
    return sections


def check_help(public, exported):
    for name in sorted(exported):
        function = public.get(name)
        if function is None:
            continue
        if not function.help:
            fail("help", f"{name}: no comment-based help")
            continue
        sections = help_sections(function.help)
        kinds = [s[0] for s in sections]
        for required in ("SYNOPSIS", "DESCRIPTION", "EXAMPLE"):
            if required not in kinds:
                fail("help", f"{name}: no .{required}")
        for section in sections:
            if section[0] == "EXAMPLE":
                code = [l for l in section[2] if l]
                if not code or "Mdca" not in code[0] and "$" not in code[0]:
                    fail("help", f"{name}: an .EXAMPLE without a command line")
        documented = {s[1] for s in sections if s[0] == "PARAMETER"}
        declared = set(function.params)
        for missing in sorted(declared - documented):
            fail("help", f"{name}: parameter -{missing} has no .PARAMETER help")
        for stale in sorted(documented - declared):
            fail("help", f"{name}: .PARAMETER {stale} documents no declared parameter")
    if not [f for f in failures if f[0] == "help"]:
        print(f"ok   [help] {len(exported)} functions have synopsis, description, examples and parameter help")


def header_functions():
    header = HEADER.read_text(encoding="utf-8")
    header = re.sub(r"/\*.*?\*/", "", header, flags=re.S)
    header = re.sub(r"//[^\n]*", "", header)
    found = {}
    for match in re.finditer(r"\b(mdca_[a-z0-9_]+)\s*\(([^;{]*?)\)\s*;", header, re.S):
        params = match.group(2).strip()
        count = 0 if params in ("", "void") else params.count(",") + 1
        found[match.group(1)] = count
    return found


def check_dllimport():
    source = (MODULE / "Mdca.Interop.cs").read_text(encoding="utf-8")
    if not HEADER.exists():
        fail("dllimport", f"{HEADER.relative_to(ROOT)} does not exist")
        return
    declared = header_functions()
    library_const = re.search(r'const\s+string\s+Library\s*=\s*"([^"]+)"', source)
    imports = re.findall(
        r"\[DllImport\((Library|\"[^\"]+\")[^\]]*\]\s*(?:internal|public|private)\s+static\s+extern\s+[\w\[\]]+\s+(\w+)\s*\(([^)]*)\)\s*;",
        source,
    )
    checked = 0
    for library, name, params in imports:
        library = library_const.group(1) if library == "Library" and library_const else library.strip('"')
        if library != "mdca":
            continue
        checked += 1
        count = 0 if not params.strip() else params.count(",") + 1
        if name not in declared:
            fail("dllimport", f"{name} is imported but not declared in include/mdca.h")
        elif declared[name] != count:
            fail("dllimport", f"{name}: {count} parameters in C#, {declared[name]} in include/mdca.h")
    if checked == 0:
        fail("dllimport", "no DllImport of mdca found")
    elif not [f for f in failures if f[0] == "dllimport"]:
        print(f"ok   [dllimport] {checked} entry points match include/mdca.h")


def describe(library_path):
    library = ctypes.CDLL(str(library_path))
    library.mdca_params_describe.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t)]
    library.mdca_params_describe.restype = ctypes.c_int
    library.mdca_string_free.argtypes = [ctypes.c_void_p]
    out = ctypes.c_void_p()
    length = ctypes.c_size_t()
    status = library.mdca_params_describe(ctypes.byref(out), ctypes.byref(length))
    if status != 0:
        raise RuntimeError(f"mdca_params_describe returned {status}")
    try:
        return json.loads(ctypes.string_at(out, length.value).decode("utf-8"))
    finally:
        library.mdca_string_free(out)


def compare_validate_set(cmdlet, pname, declared, expected):
    if expected is None:
        if declared is not None:
            fail("parameters", f"{cmdlet} -{pname}: ValidateSet {declared} but the mapping takes free values")
    elif declared is None:
        fail("parameters", f"{cmdlet} -{pname}: the mapping accepts only {expected}; add a ValidateSet")
    elif set(declared) != set(expected):
        fail("parameters", f"{cmdlet} -{pname}: ValidateSet {sorted(declared)} differs from the mapping's {sorted(expected)}")


def check_parameters(public, description):
    queries = description["queries"]
    for cmdlet, entity in LIST_CMDLETS.items():
        function = public.get(cmdlet)
        if function is None:
            fail("parameters", f"{cmdlet} is not defined")
            continue
        entry = queries[entity]
        typed = {p["name"]: p for p in entry["parameters"]}
        request = set(entry["request_parameters"])
        list_params = {n: i for n, i in function.params.items() if n not in NOT_MAPPED}
        for pname, info in list_params.items():
            if pname in typed:
                compare_validate_set(cmdlet, pname, info["validate_set"], typed[pname].get("values"))
            elif pname == "SortBy":
                compare_validate_set(cmdlet, pname, info["validate_set"], entry["sort_fields"])
            elif pname not in request:
                fail("parameters", f"{cmdlet} -{pname} is not a parameter the Rust mapping accepts for {entity}")
        for pname in sorted(set(typed) - set(list_params)):
            fail("parameters", f"{cmdlet} does not declare -{pname}, which the mapping offers for {entity}")
    close = public.get("Close-MdcaAlert")
    if close is not None:
        accepted = set(description["close_alerts"]["parameters"])
        for pname in close.params:
            if pname not in accepted:
                fail("parameters", f"Close-MdcaAlert -{pname} is not accepted by the close mapping")
        kinds = description["close_alerts"]["kinds"]
        compare_validate_set("Close-MdcaAlert", "As", close.params["As"]["validate_set"], [k["name"] for k in kinds])
        reasons = sorted({r for k in kinds for r in k["reasons"]})
        compare_validate_set("Close-MdcaAlert", "ReasonCode", close.params["ReasonCode"]["validate_set"], reasons)
    spec = description["subnet_spec"]
    for cmdlet, extra in (("New-MdcaSubnet", set()), ("Set-MdcaSubnet", {"Identity", "PassThru"})):
        function = public.get(cmdlet)
        if function is None:
            continue
        for pname in function.params:
            if pname not in extra and pname not in spec["parameters"]:
                fail("parameters", f"{cmdlet} -{pname} is not accepted by the subnet mapping")
        compare_validate_set(cmdlet, "Category", function.params["Category"]["validate_set"], spec["categories"])
    if not [f for f in failures if f[0] == "parameters"]:
        print("ok   [parameters] every declared filter parameter and ValidateSet matches the Rust mapping")


APPROVED_VERBS = {"Connect", "Disconnect", "Get", "Set", "New", "Remove", "Close", "Invoke", "Add", "Clear",
                  "Export", "Import", "Test", "Update", "Start", "Stop", "Open", "Find", "Search"}
STATE_CHANGING = ("New-", "Set-", "Remove-", "Close-", "Invoke-")


def check_conventions(public, exported):
    for name in sorted(exported):
        function = public.get(name)
        if function is None:
            continue
        verb = name.split("-", 1)[0]
        if verb not in APPROVED_VERBS:
            fail("conventions", f"{name}: {verb} is not an approved verb")
        binding = re.search(r"\[CmdletBinding\(([^\]]*)\)\]", function.body)
        binding = binding.group(1) if binding else ""
        if name.startswith(STATE_CHANGING) and "SupportsShouldProcess" not in binding:
            fail("conventions", f"{name} changes state but does not declare SupportsShouldProcess")
        for pname, info in function.params.items():
            secret = re.search(r"(Token|Secret|Password|Credential)$", pname)
            typed = " ".join(info["attributes"])
            if secret and not re.search(r"SecureString|PSCredential", typed):
                fail("conventions", f"{name} -{pname} holds a secret but is not a SecureString/PSCredential")
    for name, entity in LIST_CMDLETS.items():
        function = public.get(name)
        if function is None:
            continue
        binding = re.search(r"\[CmdletBinding\(([^\]]*)\)\]", function.body)
        if not binding or "SupportsPaging" not in binding.group(1):
            fail("conventions", f"{name} does not declare SupportsPaging")
        for required in ("Filter", "All", "PageSize", "Identity"):
            if required not in function.params:
                fail("conventions", f"{name} has no -{required}")
        identity = " ".join(function.params.get("Identity", {}).get("attributes", []))
        # Entities are fetched by their key, which records carry in `username` (api.md §9), not by `_id`.
        key = "username" if entity == "entities" else "_id"
        if not re.search(rf"Alias\('{key}'", identity) or "ValueFromPipelineByPropertyName" not in identity:
            fail("conventions", f"{name} -Identity must bind from the pipeline's {key} (Alias('{key}'), ValueFromPipelineByPropertyName)")
        forwarded = set(re.findall(r"-Entity\s+(\w+)", function.body))
        if forwarded != {entity}:
            fail("conventions", f"{name} forwards to entity {sorted(forwarded)}, expected {entity}")
    module_text = (MODULE / "Mdca.psm1").read_text(encoding="utf-8")
    for pattern, why in ((r"\$global:", "module state must stay in $script: scope"),
                         (r"\bWrite-Host\b", "use Write-Verbose/Write-Information"),
                         (r"ConvertTo-SecureString[^\n]*-AsPlainText", "secrets must not pass through plain text"),
                         (r"ConvertFrom-SecureString", "secrets must not be converted to text")):
        for match in re.finditer(pattern, module_text):
            line = module_text.count("\n", 0, match.start()) + 1
            fail("conventions", f"Mdca.psm1:{line}: {match.group(0)!r}: {why}")
    if not [f for f in failures if f[0] == "conventions"]:
        print("ok   [conventions] verbs, paging, pipeline identity, ShouldProcess, secret types, scope")


def default_library():
    target = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    name = {"win32": "mdca.dll", "darwin": "libmdca.dylib"}.get(sys.platform, "libmdca.so")
    return target / "debug" / name


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--library", type=Path, default=default_library(),
                        help="the built native library for mdca_params_describe "
                             "(default: $CARGO_TARGET_DIR or target/, debug profile)")
    args = parser.parse_args()
    if not args.library.is_file():
        print(f"error: {args.library} does not exist; build it first (cargo build -p mdca)", file=sys.stderr)
        return 2
    check_parse()
    public = functions(MODULE / "Mdca.psm1")
    exported = check_manifest(public)
    check_help(public, exported)
    check_dllimport()
    try:
        description = describe(args.library)
    except (AttributeError, OSError, RuntimeError) as error:
        fail("parameters", f"cannot read the mapping from {args.library} ({error}); rebuild it: cargo build -p mdca")
    else:
        check_parameters(public, description)
    check_conventions(public, exported)
    print(f"{len(failures)} problem(s)" if failures else "all PowerShell checks passed")
    return min(len(failures), 100)


if __name__ == "__main__":
    sys.exit(main())
