; Virtual-8086 mode: entered by IRETD at CPL 0; real-mode segment loads; the I/O bitmap;
; CLI PUSHF POPF INT n faulting at IOPL 0; INT3 back to ring 0 (segment registers pushed,
; then nulled); and at IOPL 3, CLI STI PUSHFD and INT n to a ring-0 handler.
%include "common.inc"
%include "rings.inc"
V86_DS equ RES >> 4
V86_SS equ 0x5000
bits 16
org 0x7c00
start:
    ENTER_PM pm32
    mov dword [TSS_A + 4], STACK0
    mov dword [TSS_A + 8], DATA_SEL
    mov word [TSS_A + 0x66], 0x68
    mov byte [TSS_A + 0x68 + 0x10], 0x02  ; port 0x81 denied
    mov byte [TSS_A + 0x68 + 0x20], 0xff
    mov ax, TSS_A_SEL
    ltr ax
    SET_GATE 13, log_fault, 0x8E
    SET_GATE 3, v86_exit, 0xEE
    SET_GATE 0x22, v86_int22, 0xEE
    LOAD_IDT
    push dword 0x0ff0                 ; GS
    push dword 0x0ff1                 ; FS
    push dword V86_DS                 ; DS
    push dword 0x0ff3                 ; ES
    push dword V86_SS
    push dword 0x1000
    push dword 0x20002                ; VM, IOPL 0
    push dword 0
    push dword ABS(v86_a)
    iretd

bits 16
v86_a:
    mov [0], ds
    mov ax, V86_DS + 1
    mov es, ax
    mov word [es:0], 0x1234           ; RES + 0x10
    in al, 0x80
    mov [4], al
    mov byte [cs:ABS(fault_len)], 1
    cli
    mov byte [cs:ABS(fault_len)], 1
    pushf
    mov byte [cs:ABS(fault_len)], 1
    popf
    mov byte [cs:ABS(fault_len)], 2
    int 0x21
    mov byte [cs:ABS(fault_len)], 2
    in al, 0x81
    int3

v86_b:
    cli
    sti
    pushfd
    pop eax
    mov [0x20], eax
    int 0x22

bits 32
v86_exit:
    mov ebx, 0
.copy:
    mov eax, [esp + ebx * 4]
    mov [ss:RES + 0x40 + ebx * 4], eax
    inc ebx
    cmp ebx, 9
    jb .copy
    mov ax, es
    mov [ss:RES + 0x70], ax
    mov ax, ds
    mov [ss:RES + 0x72], ax
    mov ax, fs
    mov [ss:RES + 0x74], ax
    mov ax, gs
    mov [ss:RES + 0x76], ax
    ; back into V86 mode at IOPL 3
    mov dword [esp], ABS(v86_b)
    mov dword [esp + 8], 0x23002
    iretd

v86_int22:
    mov eax, [esp + 8]
    mov [ss:RES + 0x90], eax
    hlt

    LOGGING_FAULT_HANDLER
    IDTR
align 8
gdt:
    FLAT_RING_DESCRIPTORS
    DESC TSS_A, 0x88, 0x89           ; 0x28 TSS A
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dd gdt
