; Protected mode with an IDT: an interrupt gate (IF cleared) and a trap gate (IF kept),
; #DE with the faulting EIP, #GP(0) for a null SS load, #GP(selector) beyond the GDT limit,
; and IRET back. Results at RES:
;   +0  EFLAGS seen in the interrupt-gate handler   +4  EFLAGS seen in the trap-gate handler
;   +8  EIP pushed by #DE  +12 address of the DIV
;   +16 #GP error code 1   +20 EIP pushed by #GP 1   +24 address of MOV SS
;   +28 #GP error code 2   +32 EIP pushed by #GP 2   +36 address of MOV DS
;   +40 EFLAGS after the IRETs
%include "common.inc"
bits 16
org 0x7c00
start:
    ENTER_PM pm32
    lidt [idtr]
    mov dword [gp_slot], RES + 16
    sti
    int 0x20
    int 0x21
    mov dword [RES + 12], de_site
    xor edx, edx
    mov eax, 100
    xor ecx, ecx
de_site:
    div ecx
    mov dword [RES + 24], gp1_site
    xor ax, ax
gp1_site:
    mov ss, ax
    mov dword [RES + 36], gp2_site
    mov ax, 0x80
gp2_site:
    mov ds, ax
    pushfd
    pop dword [RES + 40]
    cli
    hlt

int_handler:
    pushfd
    pop dword [RES]
    iret
trap_handler:
    pushfd
    pop dword [RES + 4]
    iret
de_handler:
    push eax
    mov eax, [esp + 4]
    mov [RES + 8], eax
    add dword [esp + 4], 2          ; skip the 2-byte DIV
    pop eax
    iret
gp_handler:
    push eax
    push ebx
    mov ebx, [gp_slot]
    mov eax, [esp + 8]              ; error code
    mov [ebx], eax
    mov eax, [esp + 12]             ; EIP
    mov [ebx + 4], eax
    add dword [gp_slot], 12
    add dword [esp + 12], 2         ; skip the 2-byte MOV Sreg
    pop ebx
    pop eax
    add esp, 4                      ; drop the error code
    iret

gp_slot: dd 0

    FLAT_GDT
align 8
idt:
    GATE de_handler, 0x8E           ; 0 #DE
%rep 12
    dq 0
%endrep
    GATE gp_handler, 0x8E           ; 13 #GP
%rep 0x20 - 14
    dq 0
%endrep
    GATE int_handler, 0x8E          ; 0x20 interrupt gate
    GATE trap_handler, 0x8F         ; 0x21 trap gate
idt_end:
idtr:
    dw idt_end - idt - 1
    dd idt
