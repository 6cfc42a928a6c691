#!/usr/bin/env bash
# Builds the native library for the platforms admins run PowerShell and C# on, from this Linux machine:
#
#   linux-x64    x86_64-unknown-linux-gnu against glibc 2.17 (RHEL 7/8, Ubuntu 18.04+, Amazon Linux 2)
#   linux-arm64  aarch64-unknown-linux-gnu against glibc 2.17
#   win-x64      x86_64-pc-windows-gnu with Debian's mingw-w64 (no Visual C++ runtime needed)
#
#   scripts/build-native.sh [--release] [--out DIR] [RID...]     (default DIR: target/native)
#
# Lays each library out as DIR/<rid>/libmdca.so or DIR/<rid>/mdca.dll, the names scripts/build-module.sh
# and the NuGet package use. Installs what it needs when missing: the rustup targets, Debian's
# gcc-mingw-w64-x86-64, and `ziglang` + `cargo-zigbuild` from PyPI (zig is the cross linker that pins the
# glibc version). scripts/check-native.sh checks what this builds.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=debug
cargo_profile=()
out=target/native
rids=()
while [ $# -gt 0 ]; do
  case "$1" in
    --release) profile=release; cargo_profile=(--release) ;;
    --out) out="$2"; shift ;;
    linux-x64|linux-arm64|win-x64) rids+=("$1") ;;
    *) echo "usage: $0 [--release] [--out DIR] [linux-x64|linux-arm64|win-x64 ...]" >&2; exit 2 ;;
  esac
  shift
done
[ ${#rids[@]} -gt 0 ] || rids=(linux-x64 linux-arm64 win-x64)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

need_zig=0
need_mingw=0
for rid in "${rids[@]}"; do
  case "$rid" in
    linux-*) need_zig=1 ;;
    win-x64) need_mingw=1 ;;
  esac
done

if [ $need_mingw = 1 ] && ! command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
  echo "== installing gcc-mingw-w64-x86-64" >&2
  as_root apt-get update >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    gcc-mingw-w64-x86-64 >&2
fi
if [ $need_zig = 1 ] && ! { command -v cargo-zigbuild >/dev/null 2>&1 && python3 -m ziglang version >/dev/null 2>&1; }; then
  echo "== installing ziglang and cargo-zigbuild (PyPI)" >&2
  python3 -m pip install --disable-pip-version-check --quiet ziglang cargo-zigbuild >&2
fi

triple_of() {
  case "$1" in
    linux-x64) echo x86_64-unknown-linux-gnu ;;
    linux-arm64) echo aarch64-unknown-linux-gnu ;;
    win-x64) echo x86_64-pc-windows-gnu ;;
  esac
}

installed_targets=$(rustup target list --installed 2>/dev/null || true)
for rid in "${rids[@]}"; do
  triple=$(triple_of "$rid")
  if ! grep -qx "$triple" <<<"$installed_targets"; then
    echo "== rustup target add $triple" >&2
    rustup target add "$triple" >&2
  fi
done

for rid in "${rids[@]}"; do
  triple=$(triple_of "$rid")
  mkdir -p "$out/$rid"
  echo "== $rid ($triple, $profile)" >&2
  case "$rid" in
    linux-*)
      # The .2.17 suffix makes zig link against glibc 2.17's symbol versions.
      cargo zigbuild -p mdca --lib "${cargo_profile[@]}" --target "$triple.2.17" >&2
      cp "target/$triple/$profile/libmdca.so" "$out/$rid/libmdca.so"
      ;;
    win-x64)
      # Rust's windows-gnu target links with x86_64-w64-mingw32-gcc (Debian's mingw-w64).
      cargo build -p mdca --lib "${cargo_profile[@]}" --target "$triple" >&2
      cp "target/$triple/$profile/mdca.dll" "$out/$rid/mdca.dll"
      cp "target/$triple/$profile/libmdca.dll.a" "$out/$rid/libmdca.dll.a"
      ;;
  esac
done
echo "$out"
