#!/usr/bin/env bash
# Assembles the importable, precompiled PowerShell module:
#   <out>/Mdca.PowerShell/Mdca.PowerShell.psd1          manifest (explicit CmdletsToExport)
#   <out>/Mdca.PowerShell/Mdca.PowerShell.dll, Mdca.dll  the cmdlets and the C# binding (netstandard2.0)
#   <out>/Mdca.PowerShell/System.Text.Json.dll, …        dependencies, for Windows PowerShell 5.1
#   <out>/Mdca.PowerShell/Mdca.PowerShell.format.ps1xml  views
#   <out>/Mdca.PowerShell/en-US/Mdca.PowerShell.dll-Help.xml   help (Get-Help), generated from powershell/help/
#   <out>/Mdca.PowerShell/<rid>/<libmdca.so | libmdca.dylib | mdca.dll>   the native library of each platform
# then: Import-Module <out>/Mdca.PowerShell
#
# The native library of this machine comes from cargo; libraries cross-built by cargo for other targets
# (target/<triple>/<profile>/, e.g. x86_64-pc-windows-gnu) are laid beside it under their RID, so one
# folder serves every platform that was built. The binding loads <module>/<rid>/<library> (its resolver
# on PowerShell 7, a preload by full path on Windows PowerShell 5.1).
#
# Usage: scripts/build-module.sh [--release] [--out DIR]   (default out: dist)
# Needs cargo, dotnet and pwsh (for the help); honours CARGO_TARGET_DIR.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
name=Mdca.PowerShell
profile=debug
configuration=Debug
out="$root/dist"
while [ $# -gt 0 ]; do
    case "$1" in
        --release) profile=release; configuration=Release; shift ;;
        --out) out="$2"; shift 2 ;;
        *) echo "usage: $0 [--release] [--out DIR]" >&2; exit 2 ;;
    esac
done
mkdir -p "$out"
out="$(cd "$out" && pwd)"

for tool in cargo dotnet pwsh; do
    command -v "$tool" >/dev/null || {
        echo "error: $tool is not on PATH (README.md, section PowerShell, says how to install it)" >&2
        exit 1
    }
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

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
dotnet build "$root/dotnet/src/$name/$name.csproj" -c "$configuration" -o "$stage/bin" \
    -p:MdcaNativeDir="$target_dir/$profile" --nologo -v quiet -clp:ErrorsOnly

module="$out/$name"
rm -rf "$module"
mkdir -p "$module/$rid" "$module/en-US"
# The assemblies (the cmdlets, the binding, System.Text.Json and its dependencies). PowerShell's own
# assemblies are reference-only (PrivateAssets) and never shipped.
for dll in "$stage/bin"/*.dll; do
    case "$(basename "$dll")" in
        System.Management.Automation.dll | Microsoft.PowerShell.*.dll) ;;
        *) cp "$dll" "$module/" ;;
    esac
done
cp "$root/powershell/$name.psd1" "$root/powershell/$name.format.ps1xml" "$module/"
cp "$built" "$module/$rid/$library"

# Libraries cross-built for other platforms (issue 12: Windows with mingw-w64, Linux arm64 with zig).
for pair in x86_64-pc-windows-gnu:win-x64:mdca.dll aarch64-pc-windows-gnullvm:win-arm64:mdca.dll \
    x86_64-unknown-linux-gnu:linux-x64:libmdca.so aarch64-unknown-linux-gnu:linux-arm64:libmdca.so \
    x86_64-apple-darwin:osx-x64:libmdca.dylib aarch64-apple-darwin:osx-arm64:libmdca.dylib; do
    IFS=: read -r triple other_rid file <<<"$pair"
    cross="$target_dir/$triple/$profile/$file"
    if [ -f "$cross" ] && [ ! -f "$module/$other_rid/$file" ]; then
        mkdir -p "$module/$other_rid"
        cp "$cross" "$module/$other_rid/$file"
    fi
done

# The portable builds of scripts/build-native.sh (glibc 2.17 for Linux, mingw for Windows) win over the
# libraries above: they load on the oldest systems each platform supports.
for portable in "$target_dir"/native/*/; do
    [ -d "$portable" ] || continue
    other_rid=$(basename "$portable")
    for file in libmdca.so mdca.dll libmdca.dylib; do
        if [ -f "$portable/$file" ]; then
            mkdir -p "$module/$other_rid"
            cp "$portable/$file" "$module/$other_rid/$file"
        fi
    done
done

# Help: MAML generated from the cmdlets' own metadata and the text in powershell/help/.
pwsh -NoProfile -NonInteractive -File "$root/powershell/help/New-MdcaHelp.ps1" -Module "$module" \
    -Text "$root/powershell/help/$name.help.psd1" -Out "$module/en-US/$name.dll-Help.xml"

rids=$(cd "$module" && for dir in linux-* osx-* win-*; do if [ -d "$dir" ]; then printf '%s ' "$dir"; fi; done)
echo "$module (native library for ${rids% })"
