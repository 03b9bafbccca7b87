#!/usr/bin/env bash
# Build test386.asm (Marco Bortolin, GPL-3.0 — a third-party program, not part of migtrace:
# nothing of it is committed here) as a 128 KiB ROM (ROM128: the extra tests) for migtrace's board, into the guest
# build cache: $MIGTRACE_GUESTS/test386/test386.bin (default ~/.cache/migtrace/guests).
#
# The source tree is copied from $TEST386_SRC (default /work/shared/third-party/test386.asm)
# and its src/configuration.asm replaced by ours: POST codes to the board's POST port (read
# from src/board/layout.ts), results on COM1 at 115200 baud (the board's UART at 0x3F8),
# no LPT, no extra output port, the 80386 family, not Bochs, not a PS/1, 128 KiB.
# TEST386_UNDEF=1 enables its undefined-behaviour tests (POST 0xE0) for an 80386.
#
# Exit status: 0 built; 2 something it needs is missing (nasm, the source tree). Needs nasm.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SRC=${TEST386_SRC:-/work/shared/third-party/test386.asm}
CACHE=${MIGTRACE_GUESTS:-$HOME/.cache/migtrace/guests}
OUT=$CACHE/test386
UNDEF=${TEST386_UNDEF:-0}

die() { echo "build-test386.sh: $*" >&2; exit 2; }

command -v nasm >/dev/null 2>&1 || die "nasm is not installed (apt-get install nasm)"
[ -f "$SRC/src/test386.asm" ] || die "no test386.asm source tree at $SRC (set TEST386_SRC)"
POST_PORT=$(sed -n 's/.*post: { port: \(0x[0-9a-fA-F]*\) }.*/\1/p' "$ROOT/src/board/layout.ts")
[ -n "$POST_PORT" ] || die "cannot find the POST port in src/board/layout.ts"
grep -q "uart: { ports: { base: 0x3f8," "$ROOT/src/board/layout.ts" || die "the board's UART is not at 0x3F8 (COM1), which test386's COM_PORT=1 assumes"

mkdir -p "$CACHE"
TMP=$(mktemp -d "$CACHE/.test386.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cp -R "$SRC/." "$TMP/tree"
chmod -R u+w "$TMP/tree"
cat > "$TMP/tree/src/configuration.asm" <<CONF
; migtrace's configuration (scripts/guests/build-test386.sh): the migtrace-pc board.
POST_PORT equ $POST_PORT
LPT_PORT equ 0
LPT_STROBING equ 0
COM_PORT equ 1
COM_PORT_DIV equ 0x0001
OUT_PORT equ 0
TEST_UNDEF equ $UNDEF
CPU_FAMILY equ 3
BOCHS equ 0
IBM_PS1 equ 0
DEBUG equ 0
ROM128 equ 1
CONF
(cd "$TMP/tree" && nasm -i./src/ -f bin src/test386.asm -w-all -l ../test386.lst -o ../test386.bin)
SIZE=$(stat -c %s "$TMP/test386.bin")
[ "$SIZE" = 131072 ] || die "nasm made a ROM of $SIZE bytes, not 131072"
cp "$SRC/test386-EE-reference.txt" "$TMP/test386-EE-reference.txt"
cp "$SRC/COPYING" "$TMP/COPYING"
rm -rf "$TMP/tree"
rm -rf "$OUT"
chmod 755 "$TMP"
chmod u+w "$TMP"/*
mv "$TMP" "$OUT"
trap - EXIT
echo "built $OUT/test386.bin ($(sha256sum "$OUT/test386.bin" | cut -c1-16)…, POST port $POST_PORT, COM1, TEST_UNDEF=$UNDEF)"
