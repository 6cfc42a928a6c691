#!/usr/bin/env bash
# Assembles an importable PowerShell module folder with the native library for this machine:
#   <out>/Mdca/{Mdca.psd1, Mdca.psm1, Mdca.Interop.cs, Mdca.format.ps1xml}
#   <out>/Mdca/runtimes/<rid>/native/<libmdca.so | libmdca.dylib | mdca.dll>
# then: Import-Module <out>/Mdca
# Usage: scripts/build-module.sh [--release] [--out DIR]   (default out: dist)
# Honours CARGO_TARGET_DIR. A module for several platforms is the union of such folders' runtimes/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
profile=debug
out="$root/dist"
while [ $# -gt 0 ]; do
    case "$1" in
        --release) profile=release; shift ;;
        --out) out="$2"; shift 2 ;;
        *) echo "usage: $0 [--release] [--out DIR]" >&2; exit 2 ;;
    esac
done

case "$(uname -s)" in
    Linux) os=linux; library=libmdca.so ;;
    Darwin) os=osx; library=libmdca.dylib ;;
    MINGW* | MSYS* | CYGWIN*) os=win; library=mdca.dll ;;
    *) echo "error: unsupported OS $(uname -s)" >&2; exit 1 ;;
esac
case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "error: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
rid="$os-$arch"

cargo_args=(build -p mdca --manifest-path "$root/Cargo.toml")
[ "$profile" = release ] && cargo_args+=(--release)
cargo "${cargo_args[@]}"

target_dir="${CARGO_TARGET_DIR:-$root/target}"
built="$target_dir/$profile/$library"
if [ ! -f "$built" ]; then
    echo "error: $built was not built" >&2
    exit 1
fi

module="$out/Mdca"
rm -rf "$module"
mkdir -p "$module/runtimes/$rid/native"
for file in Mdca.psd1 Mdca.psm1 Mdca.Interop.cs Mdca.format.ps1xml; do
    cp "$root/powershell/Mdca/$file" "$module/$file"
done
cp "$built" "$module/runtimes/$rid/native/$library"

# Every file the manifest lists must be in the folder.
grep -o "'[A-Za-z.]*\.\(psd1\|psm1\|cs\|ps1xml\)'" "$module/Mdca.psd1" | tr -d "'" | sort -u | while read -r listed; do
    if [ ! -f "$module/$listed" ]; then
        echo "error: the manifest lists $listed but it is not in $module" >&2
        exit 1
    fi
done
echo "$module (native library for $rid)"
