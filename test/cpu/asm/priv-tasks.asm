; Hardware task switches: CALL to a TSS and IRET back through the back link (NT), JMP
; through a task gate and JMP back, and a double fault delivered through a task gate.
%include "common.inc"
%include "rings.inc"
TASK_GATE_SEL equ 0x38
TSS_C_SEL     equ 0x40
bits 16
org 0x7c00
start:
    ENTER_PM pm32
    mov ax, TSS_A_SEL
    ltr ax
    ; TSS B and TSS C: flat ring-0 tasks with their own stacks and an EAX to recognise.
    mov dword [TSS_B + 0x20], ABS(task_b)
    mov dword [TSS_B + 0x24], 2
    mov dword [TSS_B + 0x34], 0xb0b0b0b0 ; EBX
    mov dword [TSS_B + 0x38], 0x70000
    mov dword [TSS_C + 0x20], ABS(task_c)
    mov dword [TSS_C + 0x24], 2
    mov dword [TSS_C + 0x38], 0x60000
    mov ebx, 0x48
.segs:
    mov word [TSS_B + ebx], DATA_SEL
    mov word [TSS_C + ebx], DATA_SEL
    add ebx, 4
    cmp ebx, 0x60
    jb .segs
    mov word [TSS_B + 0x4c], CODE_SEL
    mov word [TSS_C + 0x4c], CODE_SEL
    SET_TASK_GATE 8, TSS_C_SEL
    LOAD_IDT

    ; 1. CALL to TSS B; task B returns with IRET (NT set, back link = TSS A).
    mov eax, 0xa0a0a0a0
    call TSS_A_SEL + 8:0
    mov [RES + 24], eax
    movzx eax, byte [gdt + TSS_A_SEL + 5]
    mov [RES + 28], eax
    movzx eax, byte [gdt + TSS_B_SEL + 5]
    mov [RES + 32], eax
    mov eax, cr0
    and eax, 8
    mov [RES + 36], eax
    clts
    pushfd
    pop eax
    and eax, 0x4000
    mov [RES + 40], eax

    ; 2. JMP through a task gate to TSS B (again, at task_b2); it JMPs back.
    mov dword [TSS_B + 0x20], ABS(task_b2)
    jmp TASK_GATE_SEL:0
    movzx eax, byte [gdt + TSS_A_SEL + 5]
    mov [RES + 60], eax
    movzx eax, byte [gdt + TSS_B_SEL + 5]
    mov [RES + 64], eax

    ; 3. INT 0x40 finds an empty IDT entry (#GP), and so does #GP: a double fault, through a task gate.
fault_here:
    int 0x40
    hlt

task_b:
    pushfd
    pop eax
    and eax, 0x4000
    mov [RES + 0], eax
    movzx eax, word [TSS_B]
    mov [RES + 4], eax
    movzx eax, byte [gdt + TSS_A_SEL + 5]
    mov [RES + 8], eax
    movzx eax, byte [gdt + TSS_B_SEL + 5]
    mov [RES + 12], eax
    mov [RES + 16], ebx               ; loaded from TSS B
    xor eax, eax
    str ax
    mov [RES + 20], eax
    iretd

task_b2:
    pushfd
    pop eax
    and eax, 0x4000
    mov [RES + 48], eax
    movzx eax, byte [gdt + TSS_A_SEL + 5]
    mov [RES + 52], eax
    movzx eax, byte [gdt + TSS_B_SEL + 5]
    mov [RES + 56], eax
    jmp TSS_A_SEL:0

task_c:
    mov eax, [esp]
    mov [RES + 68], eax
    movzx eax, word [TSS_C]
    mov [RES + 72], eax
    pushfd
    pop eax
    and eax, 0x4000
    mov [RES + 76], eax
    mov eax, [TSS_A + 0x20]
    mov [RES + 80], eax
    mov [RES + 84], esp
    mov eax, ABS(fault_here)
    mov [RES + 88], eax
    hlt

    IDTR
align 8
gdt:
    FLAT_RING_DESCRIPTORS
    DESC TSS_A, 0x67, 0x89           ; 0x28 TSS A
    DESC TSS_B, 0x67, 0x89           ; 0x30 TSS B
    dw 0, TSS_B_SEL, 0x8500, 0       ; 0x38 task gate -> TSS B
    DESC TSS_C, 0x67, 0x89           ; 0x40 TSS C
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dd gdt
