; A small mixed workload in flat protected mode, for the migration round-trip tests:
; calls, stack frames, a checksum loop over memory, REP STOSD/MOVSD, shifts, multiply
; and divide. Ends with HLT; the checksum is at RES.
%include "common.inc"
bits 16
org 0x7c00
start:
    ENTER_PM pm32
    mov edi, 0x100000
    mov ecx, 4096
    mov eax, 0x01010101
    rep stosd                       ; 16 KiB of pattern (crosses pages)
    mov esi, 0x100000
    mov edi, 0x110003
    mov ecx, 3000
    rep movsd                       ; unaligned destination
    xor ebx, ebx
    mov ecx, 200
outer:
    push ecx
    push ebx
    call mix
    add esp, 4
    mov ebx, eax
    pop ecx
    loop outer
    mov [RES], ebx
    hlt

; eax = mix(seed): walks 256 dwords at 0x110000, folding them into the seed.
mix:
    push ebp
    mov ebp, esp
    push esi
    push edi
    mov eax, [ebp + 8]
    mov esi, 0x110000
    mov edi, 256
.loop:
    mov edx, [esi]
    add edx, edi
    xor eax, edx
    rol eax, 5
    imul eax, eax, 0x01000193
    mov [esi], eax
    add esi, 4
    dec edi
    jnz .loop
    xor edx, edx
    mov ecx, 0x10001
    div ecx
    lea eax, [eax + edx*2]
    pop edi
    pop esi
    pop ebp
    ret

    FLAT_GDT
