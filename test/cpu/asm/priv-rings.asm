; Ring 3 and back: IRET to ring 3 (nulling a DPL-0 DS), INT from ring 3 through a DPL-3
; interrupt gate with the TSS stack switch, privileged instructions and the I/O permission
; bitmap faulting at CPL 3, a call gate with two parameters, and RETF 8 to ring 3.
%include "common.inc"
%include "rings.inc"
bits 16
org 0x7c00
start:
    ENTER_PM pm32
    ; TSS A: ring-0 stack, I/O bitmap at 0x68 covering ports 0-0xFF (port 0x81 denied).
    mov dword [TSS_A + 4], STACK0
    mov dword [TSS_A + 8], DATA_SEL
    mov word [TSS_A + 0x66], 0x68
    mov byte [TSS_A + 0x68 + 0x10], 0x02
    mov byte [TSS_A + 0x68 + 0x20], 0xff
    mov ax, TSS_A_SEL
    ltr ax
    SET_GATE 13, log_fault, 0x8E
    SET_GATE 0x30, int30, 0xEE
    SET_GATE 0x31, done, 0xEE
    SET_GATE 0x32, int30, 0x8E         ; DPL 0: INT 0x32 from ring 3 is #GP
    LOAD_IDT
    ; IRET to ring 3; DS (DPL 0) must be nulled, SS:ESP come from the stack.
    push dword DATA3_SEL
    push dword STACK3
    pushfd
    push dword CODE3_SEL
    push dword ABS(user)
    iretd
user:
    mov ax, ds
    mov [ss:RES], eax                 ; 0: DS after IRET to ring 3
    mov ax, DATA3_SEL
    mov ds, ax
    mov es, ax
    mov [RES + 32], esp               ; 32: ESP before INT
    int 0x30
    mov [RES + 28], esp               ; 28: ESP after IRET back
    mov ax, cs
    mov [RES + 24], eax               ; 24: CS back in ring 3
    ; privileged and IOPL-sensitive instructions at CPL 3
    FAULTS 1
    cli
    FAULTS 1
    hlt
    FAULTS 3
    mov eax, cr0
    FAULTS 2
    int 0x32
    ; the I/O permission bitmap
    in al, 0x80                        ; allowed
    mov [RES + 36], al
    FAULTS 2
    in al, 0x81                        ; denied by its bit
    FAULTS 3
    in ax, 0x80                        ; 0x81 is one of the two ports
    mov dx, 0x3f8
    FAULTS 1
    out dx, al                         ; beyond the TSS limit
    ; a call gate to ring 0 with two parameters, and RETF 8 back
    mov [RES + 0x60], esp
    push dword 0x11111111
    push dword 0x22222222
    call 0x38:0
    mov [ss:RES + 0x64], esp            ; 0x64: ESP after RETF 8 (the parameters released)
    mov ax, ds
    mov [ss:RES + 0x68], eax          ; 0x68: DS nulled by RETF to ring 3
    mov ax, cs
    mov [ss:RES + 0x6c], eax
    int 0x31

int30:
    mov eax, [esp + 4]
    mov [ss:RES + 4], eax             ; 4: pushed CS
    mov eax, [esp + 12]
    mov [ss:RES + 8], eax             ; 8: pushed ESP
    mov eax, [esp + 16]
    mov [ss:RES + 12], eax            ; 12: pushed SS
    mov [ss:RES + 16], esp            ; 16: ring-0 ESP in the handler
    mov ax, cs
    mov [ss:RES + 20], eax            ; 20: CS in the handler
    iretd

call_gate_proc:
    mov eax, [esp]
    mov [ss:RES + 0x40], eax          ; return EIP
    mov eax, [esp + 4]
    mov [ss:RES + 0x44], eax          ; return CS
    mov eax, [esp + 8]
    mov [ss:RES + 0x48], eax          ; parameter at the lower address
    mov eax, [esp + 12]
    mov [ss:RES + 0x4c], eax
    mov eax, [esp + 16]
    mov [ss:RES + 0x50], eax          ; caller's ESP
    mov eax, [esp + 20]
    mov [ss:RES + 0x54], eax          ; caller's SS
    mov [ss:RES + 0x58], esp
    mov ax, DATA_SEL                  ; DPL 0: RETF to ring 3 must null it
    mov ds, ax
    retf 8

done:
    hlt

    LOGGING_FAULT_HANDLER
    IDTR
align 8
gdt:
    FLAT_RING_DESCRIPTORS
    DESC TSS_A, 0x88, 0x89           ; 0x28 TSS A (32-bit, available)
    DESC TSS_B, 0x67, 0x89           ; 0x30 TSS B
    GATE_DESC CODE_SEL, call_gate_proc, 0xEC, 2 ; 0x38 32-bit call gate, DPL 3, 2 parameters
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dd gdt
