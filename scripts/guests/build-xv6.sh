#!/usr/bin/env bash
# Builds xv6 (MIT's x86 teaching OS, MIT licence) for migtrace's "disk" boot mode:
#   $MIGTRACE_GUESTS/xv6/xv6.img   boot block + kernel (primary master)
#   $MIGTRACE_GUESTS/xv6/fs.img    file system with the user programs (primary slave)
#
# The sources (default /work/shared/third-party/xv6-public, or $XV6_SRC) are copied into
# the cache dir and built there with their own Makefile; nothing of theirs is patched.
# The one change, made on the make command line: CFLAGS without -Werror (gcc 12 warns
# about mp.c array bounds and sh.c's deliberate infinite recursion). Setting CFLAGS on the
# command line also drops the Makefile's own `CFLAGS +=` additions, so they are spelled
# out again: -fno-stack-protector and -fno-pie -no-pie (Debian's gcc defaults to PIE).
# -fdebug-prefix-map (in CFLAGS and, with the Makefile's own value, ASFLAGS) keeps the
# cache path out of the images' debug info, so the images do not depend on where the
# cache is. The CPU count
# (CPUS) only matters to the Makefile's qemu targets; xv6 counts CPUs from the MP table.
#
# Inputs (source tree contents, this script, gcc and ld versions) are hashed; with the
# same inputs a second run prints "up to date" and does nothing.
set -euo pipefail

cache=${MIGTRACE_GUESTS:-$HOME/.cache/migtrace/guests}
src=${XV6_SRC:-/work/shared/third-party/xv6-public}
out=$cache/xv6

die() { echo "build-xv6: $*" >&2; exit 1; }
[ -f "$src/Makefile" ] && [ -f "$src/bootasm.S" ] || die "no xv6 sources at $src (set XV6_SRC)"

key=$( {
  (cd "$src" && find . -type f ! -path './.git/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
  sha256sum <"$0"
  gcc --version | head -1
  ld --version | head -1
} | sha256sum | cut -c1-16)

if [ -f "$out/xv6.img" ] && [ -f "$out/fs.img" ] && [ "$(cat "$out/xv6.key" 2>/dev/null)" = "$key" ]; then
  echo "xv6/xv6.img, xv6/fs.img: up to date (inputs $key)"
  exit 0
fi

build=$out/src
rm -rf "$build"
mkdir -p "$out"
cp -R "$src" "$build"
rm -rf "$build/.git"
chmod -R u+w "$build"

cflags="-fno-pic -static -fno-builtin -fno-strict-aliasing -O2 -Wall -MD -ggdb -m32 -fno-omit-frame-pointer"
cflags="$cflags -fno-stack-protector -fno-pie -no-pie -fdebug-prefix-map=$build=xv6"
asflags="-m32 -gdwarf-2 -Wa,-divide -fdebug-prefix-map=$build=xv6"

start=$(date +%s)
if ! make -C "$build" CFLAGS="$cflags" ASFLAGS="$asflags" CPUS=1 xv6.img fs.img >"$out/build.log" 2>&1; then
  tail -30 "$out/build.log" >&2
  die "make failed (full log: $out/build.log)"
fi
echo "build-xv6: built in $(( $(date +%s) - start )) s ($(grep -c 'warning:' "$out/build.log") warnings, log: $out/build.log)"

cp "$build/xv6.img" "$out/xv6.img.tmp" && mv "$out/xv6.img.tmp" "$out/xv6.img"
cp "$build/fs.img" "$out/fs.img.tmp" && mv "$out/fs.img.tmp" "$out/fs.img"
cp "$build/kernel.sym" "$out/kernel.sym"
echo "$key" >"$out/xv6.key"
echo "xv6/xv6.img: $(stat -c %s "$out/xv6.img") bytes, xv6/fs.img: $(stat -c %s "$out/fs.img") bytes (inputs $key)"
