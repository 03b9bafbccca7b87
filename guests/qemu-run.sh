#!/usr/bin/env bash
# Run a guest image under QEMU, the reference machine:
#   guests/qemu-run.sh IMG [ARGS]
# ARGS ("k=v k=v", at most 93 printable ASCII bytes) is patched into the argument region
# (image offset 0x1A0, 94 bytes) of a temporary copy; the image itself is never modified.
# Serial output goes to stdout. The exit status is QEMU's: (v << 1) | 1 for a guest that
# wrote v to port 0xF4 (1 = success, 3 = failure), 124 if QEMU_TIMEOUT (default 60 s) ran out.
#
# Optional environment:
#   QEMU_EXTRA_ARGS   more qemu-system-i386 arguments (split on spaces), e.g.
#                     "-rtc base=2026-01-01T00:00:00" for the rtc guest
#   QEMU_INPUT        a file of bytes for the serial port's receiver (default: none, stdin is
#                     /dev/null). QEMU hands them to the UART only as its FIFO has room.
#   QEMU_INPUT_AFTER  wait until the serial output contains this text before sending them
#                     (a guest resets its receive FIFO while it initialises the UART, so
#                     bytes sent before its "ready" line would be lost)
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

read -r -a extra <<<"${QEMU_EXTRA_ARGS-}"
qemu=(timeout "${QEMU_TIMEOUT:-60}" qemu-system-i386
	-drive file="$tmp",format=raw -serial stdio -display none
	-device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot "${extra[@]}")

status=0
if [[ -z ${QEMU_INPUT-} ]]; then
	"${qemu[@]}" </dev/null || status=$?
	exit $status
fi

if [[ ! -f $QEMU_INPUT ]]; then
	echo "$0: QEMU_INPUT: no such file: $QEMU_INPUT" >&2
	exit 2
fi
out=$(mktemp "${TMPDIR:-/tmp}/migtrace-serial.XXXXXX")
fifo=$(mktemp -u "${TMPDIR:-/tmp}/migtrace-fifo.XXXXXX")
mkfifo "$fifo"
exec 3<>"$fifo"		# held open here: QEMU never sees end-of-file on its serial input
rm -f "$fifo"
trap 'rm -f "$tmp" "$out"' EXIT
(
	if [[ -n ${QEMU_INPUT_AFTER-} ]]; then
		until grep -qF -- "$QEMU_INPUT_AFTER" "$out"; do sleep 0.02; done
	fi
	exec cat -- "$QEMU_INPUT" >&3	# the feeder's pid is cat's: the kill below ends it
) &
feeder=$!
set +e
"${qemu[@]}" <&3 | tee "$out"
status=${PIPESTATUS[0]}
set -e
kill "$feeder" 2>/dev/null || true
wait "$feeder" 2>/dev/null || true
exit $status
