; Real -> protected mode switch with a GDT and a far jump, then 32-bit operand and
; address forms (SIB, disp32, no-base index, ESP/EBP bases) writing results to RES.
%include "common.inc"
bits 16
org 0x7c00
start:
    ENTER_PM pm32
    mov ebx, table
    mov ecx, 2
    mov eax, [ebx + ecx*4 + 4]      ; SIB base+index*4+disp8: table[3]
    mov [RES], eax
    lea edx, [ebx + ecx*8 - 3]      ; LEA with SIB
    mov [RES + 4], edx
    mov [RES + 68], ebx
    mov esi, 5
    mov eax, [table + esi*4 - 8]    ; no base: index*4 + disp32: table[3]
    mov [RES + 8], eax
    mov ebp, table
    mov eax, [ebp + 4]              ; EBP base (SS)
    mov [RES + 12], eax
    push dword 0x11223344
    mov eax, [esp]                  ; ESP base (SIB)
    pop dword [RES + 16]
    mov [RES + 20], eax
    mov ax, 0xbeef                  ; 16-bit operand in 32-bit code (66)
    mov [RES + 24], ax
    movzx eax, word [table + 2]
    mov [RES + 28], eax
    movsx edx, byte [table + 3]
    mov [RES + 32], edx
    mov eax, 0x80000000
    mov edi, 0x7fffffff
    add eax, edi                    ; 0xffffffff, no carry
    setc byte [RES + 36]
    sets byte [RES + 37]
    add eax, 1                      ; carry out, zero
    setc byte [RES + 38]
    setz byte [RES + 39]
    mov eax, 0x7fffffff
    inc eax                         ; signed overflow
    seto byte [RES + 40]
    mov eax, -7
    cdq
    mov ecx, 2
    idiv ecx                        ; -3 rem -1
    mov [RES + 44], eax
    mov [RES + 48], edx
    mov eax, 0x12345678
    mov ecx, 0x9abcdef0
    mul ecx
    mov [RES + 52], eax
    mov [RES + 56], edx
    imul eax, [table], 3
    mov [RES + 60], eax
    call sub1
    mov [RES + 64], eax
    hlt

sub1:
    push ebp
    mov ebp, esp
    mov eax, [ebp + 4]              ; return address
    sub eax, 0x7c00
    leave
    ret

    FLAT_GDT
align 4
table:
    dd 0x11111111, 0x22222222, 0x83333333, 0x44444444
