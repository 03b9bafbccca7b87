; Protection faults leave the CPU as it was: IRET to ring 3 with a bad SS, LTR of a busy
; TSS, JMP to a busy TSS, LLDT of a data segment, a DPL-0 data segment at CPL 3, a call gate
; to a code segment not present; I/O at CPL 3 with IOPL 3 skips the bitmap; and an INT from
; ring 3 whose ring-0 stack overflows: #SS(new SS) through a task gate, with the ring-3 state
; saved as it was before the INT.
%include "common.inc"
%include "rings.inc"
SMALL_SS equ 0x38
bits 16
org 0x7c00
start:
    ENTER_PM pm32
    mov dword [TSS_A + 4], STACK0
    mov dword [TSS_A + 8], DATA_SEL
    mov word [TSS_A + 0x66], 0x68
    mov byte [TSS_A + 0x68 + 0x10], 0x02  ; port 0x81 denied
    mov byte [TSS_A + 0x68 + 0x20], 0xff
    mov dword [TSS_B + 0x20], ABS(task_b)
    mov dword [TSS_B + 0x24], 2
    mov dword [TSS_B + 0x38], 0x60000
    mov ebx, 0x48
.segs:
    mov word [TSS_B + ebx], DATA_SEL
    add ebx, 4
    cmp ebx, 0x60
    jb .segs
    mov word [TSS_B + 0x4c], CODE_SEL
    mov ax, TSS_A_SEL
    ltr ax
    SET_GATE 13, log_fault, 0x8E
    SET_GATE 11, log_fault, 0x8E
    SET_TASK_GATE 12, TSS_B_SEL
    SET_GATE 0x30, int30, 0xEE
    SET_GATE 0x31, back_in_ring0, 0xEE
    LOAD_IDT

    ; IRET to ring 3 with SS = 0x13 (RPL 3, DPL 0): #GP(0x10), nothing popped
    push dword DATA_SEL | 3
    push dword STACK3
    pushfd
    push dword CODE3_SEL
    push dword ABS(user)
    mov [RES], esp
    FAULTS 1
    iretd
    mov [RES + 4], esp
    mov ax, cs
    mov [RES + 8], eax
    add esp, 20
    mov ax, TSS_A_SEL
    FAULTS 3
    ltr ax                            ; busy: #GP(0x28)
    FAULTS 7
    jmp TSS_A_SEL:0                   ; busy: #GP(0x28)
    mov ax, DATA_SEL
    FAULTS 3
    lldt ax                           ; not an LDT: #GP(0x10)
    ; ring 3 with IOPL 3
    push dword DATA3_SEL
    push dword STACK3
    push dword 0x3002
    push dword CODE3_SEL
    push dword ABS(user)
    iretd
user:
    in al, 0x81                       ; IOPL 3: the bitmap is not consulted
    mov [ss:RES + 0x10], al
    mov ax, DATA_SEL
    FAULTS 2
    mov ds, ax                        ; DPL 0 data at CPL 3: #GP(0x10)
    FAULTS 7
    call 0x40:0                       ; gate fine, code segment not present: #NP(0x48)
    int 0x31
user2:
    mov [ss:RES + 0x58], esp
    mov dword [ss:RES + 0x54], ABS(user_int)
user_int:
    int 0x30                          ; the ring-0 stack (limit 0xFFF, ESP0 = 0x10) overflows

back_in_ring0:
    ; make the ring-0 stack too small and go back to ring 3
    mov dword [ss:TSS_A + 4], 0x10
    mov dword [ss:TSS_A + 8], SMALL_SS
    mov dword [esp], ABS(user2)
    iretd

int30:
    hlt                               ; not reached

task_b:
    mov eax, [esp]
    mov [RES + 0x40], eax             ; #SS error code
    movzx eax, word [TSS_A + 0x4c]
    mov [RES + 0x44], eax             ; CS of the interrupted task
    mov eax, [TSS_A + 0x20]
    mov [RES + 0x48], eax             ; its EIP
    mov eax, [TSS_A + 0x38]
    mov [RES + 0x4c], eax             ; its ESP
    movzx eax, word [TSS_A + 0x50]
    mov [RES + 0x50], eax             ; its SS
    hlt

    LOGGING_FAULT_HANDLER
    IDTR
align 8
gdt:
    FLAT_RING_DESCRIPTORS
    DESC TSS_A, 0x88, 0x89           ; 0x28 TSS A
    DESC TSS_B, 0x67, 0x89           ; 0x30 TSS B
    DESC 0x70000, 0xfff, 0x92        ; 0x38 a 4 KiB ring-0 stack segment (16-bit)
    dw 0, 0x48, 0xEC00, 0            ; 0x40 call gate, DPL 3 -> 0x48:0
    DESC 0, 0xffff, 0x1A             ; 0x48 code, not present
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dd gdt
