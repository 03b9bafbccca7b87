; Paging: identity-mapped 4 KiB pages for the first 4 MiB and one 4 MiB page (CR4.PSE),
; Accessed/Dirty bits, #PF for a not-present page and (CR0.WP) a read-only one, each fixed
; by the handler and the faulting instruction restarted, and a remap seen after a CR3 reload.
; Results at RES:
;   +0  PTE of DATA after a read     +4  PTE of DATA after a write    +8  PDE 0
;   +20 value written through a page the first #PF made present
;   +36 PDE 2 (the 4 MiB page) after a write through it
;   +44 value read through a remapped page after reloading CR3
;   +48 number of #PF taken
;   +64 CR2, +68 error code of the first #PF; +72 CR2, +76 error code of the second
%include "common.inc"
PD      equ 0x100000
PT      equ 0x101000
DATA    equ 0x200000
%define PTE(a) (PT + ((a) >> 12) * 4)
bits 16
org 0x7c00
start:
    ENTER_PM pm32
    lidt [idtr]
    mov edi, PT
    mov eax, 3                      ; present, writable, supervisor
    mov ecx, 1024
fill:
    mov [edi], eax
    add edi, 4
    add eax, 0x1000
    loop fill
    mov dword [PD], PT | 3
    mov dword [PD + 8], 0x400000 | 0x83 ; 4 MiB page: linear 0x800000 -> physical 0x400000
    mov eax, cr4
    or eax, 0x10
    mov cr4, eax
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    jmp paged
paged:
    mov eax, [DATA]
    mov eax, [PTE(DATA)]
    mov [RES], eax
    mov dword [DATA], 0x12345678
    mov eax, [PTE(DATA)]
    mov [RES + 4], eax
    mov eax, [PD]
    mov [RES + 8], eax

    and dword [PTE(0x300000)], ~1
    mov eax, cr3
    mov cr3, eax
    mov dword [0x300000], 0xcafe    ; #PF (not present, write); the handler sets P
    mov eax, [0x300000]
    mov [RES + 20], eax

    and dword [PTE(0x301000)], ~2
    mov eax, cr3
    mov cr3, eax
    mov dword [0x301000], 1         ; read-only, but CR0.WP is clear: the supervisor may write
    mov eax, cr0
    or eax, 0x10000
    mov cr0, eax
    mov dword [0x301004], 2         ; #PF (protection, write); the handler clears WP

    mov dword [0x800010], 0xabcdef01
    mov eax, [PD + 8]
    mov [RES + 36], eax

    mov dword [0x303000], 0x33333333
    mov dword [0x302000], 0x22222222
    mov dword [PTE(0x302000)], 0x303003
    mov eax, cr3
    mov cr3, eax
    mov eax, [0x302000]
    mov [RES + 44], eax
    hlt

pf_handler:
    push eax
    push ebx
    mov ebx, [pf_slot]
    mov eax, cr2
    mov [ebx], eax
    mov eax, [esp + 8]              ; error code
    mov [ebx + 4], eax
    add dword [pf_slot], 8
    inc dword [RES + 48]
    test al, 1
    jnz protection
    mov eax, cr2
    shr eax, 12
    or dword [PT + eax * 4], 1
    jmp pf_done
protection:
    mov eax, cr0
    and eax, ~0x10000
    mov cr0, eax
pf_done:
    pop ebx
    pop eax
    add esp, 4
    iret

pf_slot: dd RES + 64

    FLAT_GDT
align 8
idt:
%rep 14
    dq 0
%endrep
    GATE pf_handler, 0x8E           ; 14 #PF
idt_end:
idtr:
    dw idt_end - idt - 1
    dd idt
