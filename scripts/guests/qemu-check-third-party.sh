#!/usr/bin/env bash
# Boots the built third-party guests under QEMU (the reference machine) and checks them
# through the serial console, with deadlines (scripts/guests/qemu-session.mjs):
#   xv6    boots to the `$ ` prompt; `ls`, `echo hi` and `forktest` work.
#          XV6_USERTESTS=1 also runs `usertests` (minutes) and waits for ALL TESTS PASSED.
#   linux  /init prints "migtrace-init: ALL OK" and powers off through isa-debug-exit
#          (QEMU exit status 1), with the kernel command line from guests/third-party.json,
#          a 486 CPU, 128 MiB and a 1 MiB scratch disk on the primary IDE channel.
# Usage: scripts/guests/qemu-check-third-party.sh [xv6] [linux]   (default: both)
# Transcripts go to $MIGTRACE_GUESTS/{xv6,linux}/qemu-*.log.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${MIGTRACE_GUESTS:-$HOME/.cache/migtrace/guests}
session="node $root/scripts/guests/qemu-session.mjs"
which=("$@")
[ ${#which[@]} -gt 0 ] || which=(xv6 linux)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

for g in "${which[@]}"; do
  case "$g" in
    xv6)
      cp "$cache/xv6/xv6.img" "$cache/xv6/fs.img" "$tmp/"   # xv6 writes to its file system
      steps=('expect=$ ' 'send=ls\n' 'expect=forktest' 'expect=$ ' 'send=echo hi\n' 'expect=hi' 'expect=$ '
        'send=forktest\n' 'expect=fork test OK' 'expect=$ ')
      timeout=120
      if [ "${XV6_USERTESTS:-0}" = 1 ]; then
        steps+=('send=usertests\n' 'expect=ALL TESTS PASSED' 'expect=$ ')
        timeout=1800
      fi
      echo "== xv6 under QEMU"
      $session --timeout "$timeout" --log "$cache/xv6/qemu-session.log" "${steps[@]}" -- \
        qemu-system-i386 -nographic -net none -no-reboot -smp 1 -m 512 \
        -drive file="$tmp/fs.img",index=1,media=disk,format=raw \
        -drive file="$tmp/xv6.img",index=0,media=disk,format=raw || status=1
      ;;
    linux)
      cmdline=$(node -e 'const g=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).find((e)=>e.name==="linux");process.stdout.write(g.boot.cmdline)' "$root/guests/third-party.json")
      truncate -s 1M "$tmp/scratch.img"
      echo "== linux under QEMU: $cmdline"
      $session --timeout 300 --log "$cache/linux/qemu-boot.log" 'expect=migtrace-init: ALL OK' 'exit=1' -- \
        qemu-system-i386 -cpu 486 -m 128 -nographic -net none -no-reboot \
        -kernel "$cache/linux/bzImage" -initrd "$cache/linux/initramfs.cpio" -append "$cmdline" \
        -drive file="$tmp/scratch.img",format=raw,if=ide,index=0 \
        -device isa-debug-exit,iobase=0xf4,iosize=1 || status=1
      ;;
    *)
      echo "unknown guest $g (xv6, linux)" >&2
      exit 2
      ;;
  esac
done
exit $status
