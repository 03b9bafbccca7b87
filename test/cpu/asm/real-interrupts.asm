; Real-mode interrupt timing against a test device (port 0xE0 raises INTR, 0xE1 lowers it;
; a read of MMIO at A000:0000 raises INTR and returns 0). The handler stores EAX at [di]
; and advances DI: EAX counts the instructions that ran after INTR went up.
%include "common.inc"
bits 16
org 0x7c00
start:
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7000
    mov word [0x08 * 4], handler
    mov word [0x08 * 4 + 2], 0
    mov di, RES
    mov ax, 0xa000
    mov es, ax
    ; 1. STI: the instruction after it runs before the interrupt.
    cli
    xor eax, eax
    out 0xe0, al
    sti
    inc eax
    inc eax
    ; 2. MOV SS: the same. The MMIO read raises INTR during the MOV.
    xor eax, eax
    mov ss, [es:0]
    inc eax
    inc eax
    ; 3. An ordinary load: the interrupt comes right after it.
    xor eax, eax
    mov bx, [es:0]
    inc eax
    inc eax
    ; 4. POP SS: shadowed like MOV SS. The stack is moved onto the device for the pop.
    mov bx, 0xa000
    xor eax, eax
    mov ss, bx
    mov sp, 0
    pop ss
    inc eax
    inc eax
    mov sp, 0x7000
    cli
    hlt

handler:
    mov [di], eax
    add di, 4
    out 0xe1, al
    iret
