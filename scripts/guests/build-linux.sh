#!/usr/bin/env bash
# Builds migtrace's Linux guest for the "linux" boot mode:
#   $MIGTRACE_GUESTS/linux/bzImage          Debian linux-source-6.1, tinyconfig + our fragment
#                                           (scripts/guests/linux/build-kernel.sh)
#   $MIGTRACE_GUESTS/linux/initramfs.cpio   uncompressed newc cpio: our freestanding /init
#                                           (guests/linux-init/, MIT) and /dev/console
# Each part is keyed by a hash of its inputs; with the same inputs a run prints
# "up to date" for it and does nothing.
#
# Usage: build-linux.sh [--initramfs-only]
# Environment: MIGTRACE_GUESTS (default ~/.cache/migtrace/guests); see build-kernel.sh for
# LINUX_SOURCE_TAR and JOBS.
set -euo pipefail
only_initramfs=0
case "${1-}" in
  '') ;;
  --initramfs-only) only_initramfs=1 ;;
  *) echo "usage: $0 [--initramfs-only]" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${MIGTRACE_GUESTS:-$HOME/.cache/migtrace/guests}
out=$cache/linux
initsrc=$root/guests/linux-init
mkcpio=$root/scripts/guests/linux/mkcpio.mjs

# /init: i486 code with no x87 or SSE (the kernel emulates a missing FPU, but init needs
# none), no libc, no libgcc (so no 64-bit division), static, not position-independent.
cflags=(-m32 -march=i486 -mgeneral-regs-only -Os -std=gnu11 -Wall -Wextra -Werror
  -ffreestanding -fno-pic -fno-pie -no-pie -static -nostdlib -fno-stack-protector
  -fno-asynchronous-unwind-tables -ffunction-sections -fdata-sections
  -Wl,--gc-sections -Wl,--build-id=none -Wl,-z,noexecstack -Wl,-z,norelro)

mkdir -p "$out"
key=$( {
  (cd "$initsrc" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
  sha256sum <"$mkcpio"
  sha256sum <"$0"
  gcc --version | head -1
  ld --version | head -1
  node --version
} | sha256sum | cut -c1-16)

if [ -f "$out/initramfs.cpio" ] && [ "$(cat "$out/initramfs.key" 2>/dev/null)" = "$key" ]; then
  echo "linux/initramfs.cpio: up to date (inputs $key)"
else
  work=$out/initramfs-build
  rm -rf "$work"
  mkdir -p "$work"
  gcc "${cflags[@]}" -o "$work/init" "$initsrc/init.c"
  node "$mkcpio" "$initsrc/initramfs.list" "$work" "$out/initramfs.cpio"
  echo "$key" >"$out/initramfs.key"
  echo "linux/initramfs.cpio: $(stat -c %s "$out/initramfs.cpio") bytes, /init $(stat -c %s "$work/init") bytes (inputs $key)"
fi

[ "$only_initramfs" -eq 1 ] || "$root/scripts/guests/linux/build-kernel.sh"
