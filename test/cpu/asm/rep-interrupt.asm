; REP MOVSB that the tests interrupt mid-way (by slice budget and by INTR). The handler
; (vector 8) records the IP it will return to at RES and CX at RES+2, lowers INTR (port E1).
%include "common.inc"
bits 16
org 0x7c00
start:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7000
    mov word [0x08 * 4], handler
    mov word [0x08 * 4 + 2], 0
    mov si, src
    mov di, RES + 0x100
    mov cx, 100
    cld
    sti
rep_site:
    rep movsb
    mov [RES + 4], cx
    cli
    hlt
handler:
    push bp
    mov bp, sp
    mov ax, [bp + 2]
    mov [RES], ax
    mov [RES + 2], cx
    out 0xe1, al
    pop bp
    iret
src:
%assign i 0
%rep 100
    db (i * 7 + 3) & 0xff
%assign i i + 1
%endrep
