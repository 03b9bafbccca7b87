#!/usr/bin/env bash
# Run a guest image under QEMU, the reference machine:
#   guests/qemu-run.sh IMG [ARGS]
# ARGS ("k=v k=v", at most 93 printable ASCII bytes) is patched into the argument region
# (image offset 0x1A0, 94 bytes) of a temporary copy; the image itself is never modified.
# Serial output goes to stdout. The exit status is QEMU's: (v << 1) | 1 for a guest that
# wrote v to port 0xF4 (1 = success, 3 = failure), 124 if QEMU_TIMEOUT (default 60 s) ran out.
set -euo pipefail

ARGS_OFFSET=416   # 0x1A0
ARGS_SIZE=94

if [[ $# -lt 1 || $# -gt 2 ]]; then
	echo "usage: $0 IMG [ARGS]" >&2
	exit 2
fi
img=$1
args=${2-}
if [[ ! -f $img ]]; then
	echo "$0: no such image: $img" >&2
	exit 2
fi
if (( ${#args} > ARGS_SIZE - 1 )) || [[ $args =~ [^\ -~] ]]; then
	echo "$0: ARGS must be at most $((ARGS_SIZE - 1)) printable ASCII characters" >&2
	exit 2
fi

tmp=$(mktemp "${TMPDIR:-/tmp}/migtrace-guest.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cp "$img" "$tmp"
if [[ $# -eq 2 ]]; then
	# Zero the whole region, then write the string; the zeros after it terminate it.
	dd if=/dev/zero of="$tmp" bs=1 seek=$ARGS_OFFSET count=$ARGS_SIZE conv=notrunc status=none
	printf '%s' "$args" | dd of="$tmp" bs=1 seek=$ARGS_OFFSET conv=notrunc status=none
fi

status=0
timeout "${QEMU_TIMEOUT:-60}" qemu-system-i386 \
	-drive file="$tmp",format=raw -serial stdio -display none \
	-device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot </dev/null || status=$?
exit $status
