; Real mode with operand-size (66) and address-size (67) prefixes, bit instructions,
; double shifts and bit scans. Results at RES (see cpu-real-mode.test.ts).
%include "common.inc"
bits 16
org 0x7c00
start:
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7000
    mov eax, 0x12345678
    mov [RES], eax
    mov ebx, RES + 0x100
    mov ecx, 4
    mov dword [ebx + ecx*2], 0xcafebabe    ; 67 66: 32-bit address in real mode
    mov edx, [ebx + ecx*2]
    mov [RES + 4], edx
    add eax, 0x11111111
    mov [RES + 8], eax
    push eax
    pop cx
    pop dx
    mov [RES + 12], cx
    mov [RES + 14], dx
    ; bit scans
    mov eax, 0x00f00000
    bsf ecx, eax
    mov [RES + 16], ecx
    bsr ecx, eax
    mov [RES + 20], ecx
    xor eax, eax
    mov ecx, 0x55
    bsf ecx, eax                             ; zero source: ZF=1, ECX unchanged
    setz byte [RES + 24]
    mov [RES + 25], cl
    ; bit tests on a register
    mov eax, 0x0000ff00
    bt eax, 8
    setc byte [RES + 26]
    bts eax, 0
    btr eax, 15
    mov edx, 33
    btc eax, edx                             ; offset 33 mod 32 = bit 1
    mov [RES + 28], eax
    ; bit string in memory: offset 35 reaches bit 3 of the next dword, -1 the byte below
    mov dword [RES + 0x80], 0
    mov dword [RES + 0x84], 0
    mov edx, 35
    bts dword [RES + 0x80], edx
    mov edx, -1
    bts dword [RES + 0x84], edx
    bt dword [RES + 0x84], 3
    setc byte [RES + 32]
    ; double shifts
    mov eax, 0x12345678
    mov edx, 0x9abcdef0
    shld eax, edx, 8
    mov [RES + 36], eax
    mov eax, 0x12345678
    mov cl, 12
    shrd eax, edx, cl
    mov [RES + 40], eax
    mov ax, 0x1234
    mov dx, 0xabcd
    shld ax, dx, 4
    mov [RES + 44], ax
    ; CPUID and RDTSC
    xor eax, eax
    cpuid
    mov [RES + 48], ebx
    mov [RES + 52], edx
    mov [RES + 56], ecx
    mov [RES + 60], eax
    mov eax, 1
    cpuid
    mov [RES + 64], eax
    mov [RES + 68], edx
    rdtsc
    mov [RES + 72], eax
    mov [RES + 76], edx
    hlt
