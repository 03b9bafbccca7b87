; A boot sector for running a CPU test program (org 0x7C00, up to 16 sectors) under QEMU:
; the BIOS loads only this sector, so it moves itself to 0x0600, reads the sectors that
; follow it on the boot drive (DL) to 0x7C00 with INT 13h, and jumps there.
bits 16
org 0x0600
start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7000
    mov si, 0x7c00
    mov di, 0x0600
    mov cx, 256
    cld
    rep movsw
    jmp 0:relocated
relocated:
    mov ax, 0x0210                  ; read 16 sectors
    mov cx, 0x0002                  ; cylinder 0, sector 2
    xor dh, dh                      ; head 0, drive in DL
    mov bx, 0x7c00
    int 0x13
    jc failed
    xor ax, ax
    mov ds, ax
    jmp 0:0x7c00
failed:
    cli
    hlt
    jmp failed
    times 510 - ($ - $$) db 0
    dw 0xaa55
