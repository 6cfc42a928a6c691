#!/usr/bin/env bash
# Checks the native libraries scripts/build-native.sh built, and runs the Windows one for real:
#
#   - every library exports exactly the mdca_* functions declared in include/mdca.h, and nothing else;
#   - the Linux libraries need nothing newer than GLIBC_2.17 (objdump -T) and carry the soname
#     libmdca.so.<major>;
#   - the Windows DLL imports only system DLLs (no Visual C++ runtime, no MinGW runtime DLL);
#   - the README's C example and tests/c/winsmoke.c, cross-compiled with mingw against mdca.dll, run under
#     Wine against the simulator on loopback.
#
#   scripts/check-native.sh [DIR]        (default DIR: target/native; run build-native.sh first)
#
# Installs binutils for aarch64 and Wine from Debian when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-target/native}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
[ -e "$dir/linux-arm64/libmdca.so" ] && ! command -v aarch64-linux-gnu-objdump >/dev/null 2>&1 \
  && missing+=(binutils-aarch64-linux-gnu)
[ -e "$dir/win-x64/mdca.dll" ] && ! command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 \
  && missing+=(gcc-mingw-w64-x86-64)
[ -e "$dir/win-x64/mdca.dll" ] && ! [ -x /usr/lib/wine/wine64 ] && missing+=(wine64 wine)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}" >&2
  as_root apt-get update >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
fi

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# The functions the header declares: `<type> mdca_name(` at the start of a declaration.
expected=$(grep -oE '\bmdca_[a-z0-9_]+\(' include/mdca.h | tr -d '(' | sort -u)
[ -n "$expected" ] || { echo "no functions found in include/mdca.h" >&2; exit 1; }
major=$(sed -nE 's/^#define MDCA_VERSION_MAJOR ([0-9]+).*/\1/p' include/mdca.h)

check_exports() { # name, exported symbols (one per line)
  local name=$1 exported=$2
  if [ "$exported" != "$expected" ]; then
    fail "$name exports differ from include/mdca.h:"
    diff <(echo "$expected") <(echo "$exported") | sed 's/^/    /' >&2 || true
  else
    echo "ok: $name exports exactly the $(wc -l <<<"$expected") functions of the header"
  fi
}

for rid in linux-x64 linux-arm64; do
  lib="$dir/$rid/libmdca.so"
  [ -e "$lib" ] || continue
  objdump=objdump
  [ $rid = linux-arm64 ] && objdump=aarch64-linux-gnu-objdump
  # Defined (not *UND*) dynamic symbols in .text.
  exported=$($objdump -T "$lib" | awk '$4 == ".text" {print $NF}' | sort -u)
  check_exports "$rid/libmdca.so" "$exported"
  newest=$($objdump -T "$lib" | grep -oE 'GLIBC_[0-9]+\.[0-9]+(\.[0-9]+)?' | sed 's/GLIBC_//' | sort -V | tail -n 1)
  if [ -n "$newest" ] && [ "$(printf '%s\n2.17\n' "$newest" | sort -V | tail -n 1)" != 2.17 ]; then
    fail "$rid/libmdca.so needs GLIBC_$newest (newer than 2.17):"
    $objdump -T "$lib" | grep -E "GLIBC_$newest" | head -n 5 | sed 's/^/    /' >&2
  else
    echo "ok: $rid/libmdca.so needs nothing newer than GLIBC_${newest:-none} (≤ 2.17)"
  fi
  soname=$($objdump -p "$lib" | awk '$1 == "SONAME" {print $2}')
  [ "$soname" = "libmdca.so.$major" ] && echo "ok: $rid soname $soname" \
    || fail "$rid/libmdca.so soname is '$soname', expected libmdca.so.$major"
done

dll="$dir/win-x64/mdca.dll"
if [ -e "$dll" ]; then
  exported=$(x86_64-w64-mingw32-objdump -p "$dll" \
    | sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' | grep -oE 'mdca_[a-z0-9_]+' | sort -u)
  check_exports "win-x64/mdca.dll" "$exported"
  # System DLLs only: the Windows API sets, kernel32/ntdll/advapi32 family, crypto and sockets, and the
  # C runtime that ships with every Windows (msvcrt).
  imports=$(x86_64-w64-mingw32-objdump -p "$dll" | sed -nE 's/^\s*DLL Name: (.*)$/\1/p' | tr 'A-Z' 'a-z' | sort -u)
  allowed='^(api-ms-win-[a-z0-9-]+\.dll|kernel32\.dll|ntdll\.dll|advapi32\.dll|bcrypt\.dll|bcryptprimitives\.dll|crypt32\.dll|ncrypt\.dll|secur32\.dll|ws2_32\.dll|userenv\.dll|msvcrt\.dll|ole32\.dll|oleaut32\.dll|shell32\.dll|user32\.dll|iphlpapi\.dll|ktmw32\.dll)$'
  bad=$(grep -vE "$allowed" <<<"$imports" || true)
  if [ -n "$bad" ]; then
    fail "win-x64/mdca.dll imports non-system DLLs: $(echo $bad)"
  else
    echo "ok: win-x64/mdca.dll imports only system DLLs: $(echo $imports)"
  fi

  # Run C programs built with mingw against the DLL under Wine, against the simulator on loopback.
  work=$(mktemp -d)
  trap 'rm -rf "$work"; [ -n "${sim_pid:-}" ] && kill "$sim_pid" 2>/dev/null || true' EXIT
  cp "$dll" "$work/"
  cc=x86_64-w64-mingw32-gcc
  $cc -std=c11 -Wall -Wextra -Werror -O1 -Iinclude tests/c/example.c -o "$work/example.exe" \
    -L"$dir/win-x64" -lmdca
  $cc -std=c11 -Wall -Wextra -Werror -O1 -Iinclude tests/c/winsmoke.c -o "$work/winsmoke.exe" \
    -L"$dir/win-x64" -lmdca
  # Wine 8 lacks ProcessPrng (bcryptprimitives.dll), which Rust's std imports for randomness: a
  # test-only shim over advapi32's SystemFunction036 (RtlGenRandom) stands in. Real Windows has it.
  $cc -shared -O1 tests/c/wine/bcryptprimitives.c tests/c/wine/bcryptprimitives.def \
    -o "$work/bcryptprimitives.dll" -ladvapi32

  cargo build -q -p mdca-sim --bin mdca-sim
  ready="$work/sim.json"
  target/debug/mdca-sim --port 0 --log warn >"$ready" 2>"$work/sim.log" &
  sim_pid=$!
  for _ in $(seq 1 100); do [ -s "$ready" ] && break; sleep 0.1; done
  [ -s "$ready" ] || { cat "$work/sim.log" >&2; echo "the simulator did not start" >&2; exit 1; }
  url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$ready")
  token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["admin_token"])' "$ready")

  export WINEPREFIX="$work/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=;bcryptprimitives=n"
  wine=/usr/lib/wine/wine64
  [ -x "$wine" ] || wine=wine64
  for program in example winsmoke; do
    if MDCA_URL="$url" MDCA_TOKEN="$token" timeout 300 "$wine" "$work/$program.exe" >"$work/$program.out" 2>&1; then
      echo "ok: $program.exe ran under Wine against mdca.dll: $(tail -n 1 "$work/$program.out" | tr -d '\r')"
    else
      fail "$program.exe under Wine:"
      sed 's/^/    /' "$work/$program.out" >&2
    fi
  done
fi

if [ $failures -gt 0 ]; then
  echo "check-native: $failures check(s) failed" >&2
  exit 1
fi
echo "check-native: all checks passed"
