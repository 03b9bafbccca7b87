#!/usr/bin/env bash
# Builds migtrace's Linux kernel: $MIGTRACE_GUESTS/linux/bzImage (and System.map, config).
#
# Source: Debian's linux-source-6.1 package (/usr/src/linux-source-6.1.tar.xz), extracted
# once per package version under the cache dir. Config: `make ARCH=i386 tinyconfig`, then
# our fragment (scripts/guests/linux/migtrace.config) merged with merge_config.sh, then
# `make olddefconfig`; every line of the fragment must survive or the build fails.
# The build tree is keyed by a hash of the inputs (package version, fragment, this script,
# gcc and ld versions): with the same inputs a second run prints "up to date" and does
# nothing. Called by scripts/guests/build-linux.sh; runnable on its own.
#
# Environment: MIGTRACE_GUESTS (default ~/.cache/migtrace/guests), LINUX_SOURCE_TAR
# (default /usr/src/linux-source-6.1.tar.xz), JOBS (default 2; the build runs under nice 19).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${MIGTRACE_GUESTS:-$HOME/.cache/migtrace/guests}
tarball=${LINUX_SOURCE_TAR:-/usr/src/linux-source-6.1.tar.xz}
fragment=$here/migtrace.config
jobs=${JOBS:-2}
out=$cache/linux

die() { echo "build-kernel: $*" >&2; exit 1; }
[ -r "$tarball" ] || die "no kernel source at $tarball (apt-get install linux-source-6.1)"
pkgver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || true)
[ -n "$pkgver" ] || pkgver="tar-$(stat -c %s-%Y "$tarball")"

key=$( {
  echo "linux-source-6.1 $pkgver"
  sha256sum <"$fragment"
  sha256sum <"$0"
  gcc --version | head -1
  ld --version | head -1
} | sha256sum | cut -c1-16)

mkdir -p "$out"
if [ -f "$out/bzImage" ] && [ "$(cat "$out/bzImage.key" 2>/dev/null)" = "$key" ]; then
  echo "linux/bzImage: up to date (inputs $key)"
  exit 0
fi

# Reproducible build identity: no host, user, time or git state in the image.
export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 2026'
export KBUILD_BUILD_USER=migtrace
export KBUILD_BUILD_HOST=migtrace
export KBUILD_BUILD_VERSION=1
export LOCALVERSION=
export ARCH=i386

src=$out/src/linux-source-6.1_$pkgver
if [ ! -f "$src/Makefile" ]; then
  echo "build-kernel: extracting $tarball ($pkgver)"
  rm -rf "$src.tmp"
  mkdir -p "$src.tmp"
  tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
  mv "$src.tmp" "$src"
fi

build=$out/build-$key
mkdir -p "$build"
if [ ! -f "$build/.config.ok" ]; then
  echo "build-kernel: configuring (tinyconfig + $(basename "$fragment"))"
  make -s -C "$src" O="$build" tinyconfig >/dev/null
  "$src/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" "$fragment" >"$build/merge_config.log"
  make -s -C "$src" O="$build" olddefconfig >/dev/null
  bad=0
  while IFS= read -r line; do
    case "$line" in
      CONFIG_*)
        grep -qxF "$line" "$build/.config" || { echo "build-kernel: fragment asks for $line, final config has: $(grep -E "^(# )?${line%%=*}[= ]" "$build/.config" || echo nothing)" >&2; bad=1; } ;;
      "# CONFIG_"*" is not set")
        sym=${line#\# }; sym=${sym%% *}
        if grep -q "^$sym=" "$build/.config"; then echo "build-kernel: fragment turns off $sym, final config has: $(grep "^$sym=" "$build/.config")" >&2; bad=1; fi ;;
    esac
  done <"$fragment"
  [ "$bad" -eq 0 ] || die "the fragment did not survive olddefconfig (see above)"
  touch "$build/.config.ok"
fi

echo "build-kernel: make -j$jobs bzImage in $build"
start=$(date +%s)
nice -n 19 make -s -C "$src" O="$build" -j"$jobs" bzImage
echo "build-kernel: compiled in $(( $(date +%s) - start )) s"

cp "$build/arch/x86/boot/bzImage" "$out/bzImage.tmp"
cp "$build/System.map" "$out/System.map"
cp "$build/.config" "$out/config"
mv "$out/bzImage.tmp" "$out/bzImage"
echo "$key" >"$out/bzImage.key"
# Build trees for other inputs are stale now.
for old in "$out"/build-*; do
  [ "$old" = "$build" ] || rm -rf "$old"
done
echo "linux/bzImage: $(stat -c %s "$out/bzImage") bytes (inputs $key)"
