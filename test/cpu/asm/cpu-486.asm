; The 486-class instructions in flat protected mode at CPL 0: CMPXCHG, XADD, BSWAP, CMOVcc,
; CMPXCHG8B, the multi-byte NOPs, INVLPG, INVD/WBINVD, RDMSR/WRMSR/RDTSC, the EFLAGS.ID/AC
; probe and the absent FPU. Results: a sequence of dwords from RES, in the order
; test/cpu/cpu-486.test.ts names them. Exceptions (#UD #NM #GP) are logged from RES + 0x400
; as (vector, error code or -1) pairs; the handler resumes at [resume].
%include "common.inc"
RO_SEL      equ 0x20                ; flat read-only data
SMALL_SEL   equ 0x28                ; data, limit 0xFFF
LOG         equ RES + 0x400

%macro OUT 1
    mov esi, %1
    mov [edi], esi
    add edi, 4
%endmacro
%macro OUTF 0                       ; EFLAGS, right after the instruction under test
    pushfd
    pop dword [edi]
    add edi, 4
%endmacro
%macro TRY 1+                       ; an instruction expected to fault; execution resumes after it
    mov dword [resume], %%after
    %1
%%after:
%endmacro

bits 16
org 0x7c00
start:
    ENTER_PM pm32
    lidt [idtr]
    mov edi, RES
    mov dword [log_ptr], LOG

    ; ---- CMPXCHG
    mov dword [scratch], 5
    mov eax, 5
    mov ecx, 9
    cmpxchg [scratch], ecx          ; equal: destination := ECX
    OUTF                            ; 0
    OUT [scratch]                   ; 1
    OUT eax                         ; 2
    mov dword [scratch], 7
    mov eax, 5
    cmpxchg [scratch], ecx          ; not equal: EAX := destination
    OUTF                            ; 3
    OUT [scratch]                   ; 4
    OUT eax                         ; 5
    mov eax, 0x80
    mov ebx, 0x80
    mov ecx, 0x11
    cmpxchg bl, cl                  ; byte, register, equal
    OUT ebx                         ; 6
    mov eax, 0xaaaa1234
    mov edx, 0x4321
    mov ecx, 0x9999
    cmpxchg dx, cx                  ; word, register, not equal
    OUT eax                         ; 7
    OUT edx                         ; 8
    mov ax, RO_SEL
    mov es, ax
    mov eax, 1
    mov ecx, 2
    mov dword [scratch], 3
    TRY cmpxchg [es:scratch], ecx   ; not equal, but the destination is written: #GP(0)
    OUT eax                         ; 9 (unchanged)
    mov ax, DATA_SEL
    mov es, ax

    ; ---- XADD
    mov dword [scratch], 10
    mov ecx, 3
    xadd [scratch], ecx
    OUTF                            ; 10
    OUT [scratch]                   ; 11
    OUT ecx                         ; 12
    mov eax, 0xffffffff
    mov ebx, 1
    xadd eax, ebx
    OUTF                            ; 13
    OUT eax                         ; 14
    OUT ebx                         ; 15
    mov eax, 7
    xadd eax, eax
    OUT eax                         ; 16
    mov byte [scratch], 0x7f
    mov ecx, 0x12345601
    xadd [scratch], cl
    OUTF                            ; 17
    movzx eax, byte [scratch]
    OUT eax                         ; 18
    OUT ecx                         ; 19

    ; ---- BSWAP
    mov eax, 0x12345678
    bswap eax
    OUT eax                         ; 20
    mov ebx, 0x12345678
    db 0x66, 0x0f, 0xcb             ; bswap bx (16-bit operand: undefined; low word cleared)
    OUT ebx                         ; 21

    ; ---- CMOVcc
    xor eax, eax                    ; ZF = 1
    mov ecx, 0x11111111
    mov edx, 0x22222222
    cmovz ecx, edx
    OUT ecx                         ; 22
    xor eax, eax
    cmovnz ecx, [const33]
    OUT ecx                         ; 23
    cmp eax, 1                      ; CF = 1
    cmovc cx, [const33]
    OUT ecx                         ; 24
    mov ax, SMALL_SEL
    mov es, ax
    xor eax, eax
    TRY cmovnz ecx, [es:0x2000]     ; not taken, but the source is read: #GP(0)
    OUT ecx                         ; 25 (unchanged)

    ; ---- CMPXCHG8B
    push dword 0x0801               ; OF CF: only ZF may change
    popfd
    mov eax, 0x22222222
    mov edx, 0x11111111
    mov ebx, 0xbbbbbbbb
    mov ecx, 0xaaaaaaaa
    cmpxchg8b [quad]
    OUTF                            ; 26
    OUT [quad]                     ; 27
    OUT [quad + 4]                 ; 28
    xor eax, eax
    xor edx, edx
    push dword 0x0040               ; ZF
    popfd
    cmpxchg8b [quad]
    OUTF                            ; 29
    OUT eax                         ; 30
    OUT edx                         ; 31
    mov ax, RO_SEL
    mov es, ax
    xor eax, eax
    TRY cmpxchg8b [es:quad]        ; not equal, written back anyway: #GP(0)
    TRY db 0x0f, 0xc7, 0xc8         ; register form: #UD

    ; ---- multi-byte NOPs: decoded, memory untouched (ES limit 0xFFF, offsets beyond it)
    mov ax, SMALL_SEL
    mov es, ax
    mov eax, 0x100000
    db 0x26, 0x0f, 0x1f, 0x00                               ; nop [es:eax]
    db 0x26, 0x0f, 0x1f, 0x40, 0x00                         ; nop [es:eax+0]
    db 0x26, 0x0f, 0x1f, 0x44, 0x00, 0x00                   ; nop [es:eax+eax*1+0]
    db 0x66, 0x26, 0x0f, 0x1f, 0x44, 0x00, 0x00             ; nop word ...
    db 0x26, 0x0f, 0x1f, 0x80, 0, 0, 0, 0                   ; nop [es:eax+disp32]
    db 0x26, 0x0f, 0x1f, 0x84, 0x00, 0, 0, 0, 0             ; nop [es:eax+eax*1+disp32]
    db 0x66, 0x26, 0x0f, 0x1f, 0x84, 0x00, 0, 0, 0, 0       ; nop word ... (10 bytes)
    db 0x26, 0x0f, 0x1f, 0x05, 0x00, 0x00, 0x20, 0x00       ; nop [es:0x200000]
    db 0x67, 0x26, 0x0f, 0x1f, 0x06, 0x00, 0xf0             ; nop [es:0xf000], 16-bit address
    db 0x0f, 0x1f, 0xc0                                     ; register form
    db 0x0f, 0x1f, 0x48, 0x00                               ; reg field 1
    mov ax, DATA_SEL
    mov es, ax
    OUT 0x600df00d                  ; 32

    ; ---- INVLPG, INVD, WBINVD
    invlpg [0x12345]
    TRY db 0x0f, 0x01, 0xf8         ; register form: #UD
    invd
    wbinvd

    ; ---- the time-stamp counter through WRMSR, RDTSC and RDMSR
    mov ecx, 0x10
    mov edx, 5
    mov eax, 0xffffffff
    wrmsr                           ; TSC := 0x5_FFFFFFFF (at this instruction)
    rdtsc                           ; one instruction later
    mov ebx, eax
    mov ebp, edx
    rdmsr                           ; four instructions later
    OUT ebx                         ; 33
    OUT ebp                         ; 34
    OUT eax                         ; 35
    OUT edx                         ; 36
    mov ecx, 0x1234
    TRY rdmsr                       ; no such MSR: #GP(0)
    TRY wrmsr                       ; #GP(0)
    mov ecx, 0x1b
    rdmsr
    OUT eax                         ; 37
    OUT edx                         ; 38
    mov eax, 0xfee00901
    xor edx, edx
    TRY wrmsr                       ; reserved bit 0: #GP(0)
    mov eax, 0xfee00900
    mov edx, 1
    TRY wrmsr                       ; reserved bit 32: #GP(0)
    mov eax, 0xfed00000             ; move the base, clear enable and BSP
    xor edx, edx
    wrmsr
    rdmsr
    OUT eax                         ; 39

    ; ---- EFLAGS.ID and AC toggle (the CPUID and 486 probes)
    pushfd
    pop eax
    mov ecx, eax
    xor eax, 0x240000
    push eax
    popfd
    pushfd
    pop eax
    xor eax, ecx
    OUT eax                         ; 40
    push dword 0x200002
    popfd
    push word 0x0002
    popfw                           ; 16-bit POPF leaves ID alone
    pushfd
    pop eax
    OUT eax                         ; 41
    push dword 2
    popfd

    ; ---- no FPU: the escapes store nothing; #NM with EM or TS; WAIT only with TS and MP
    mov word [fsw], 0xffff
    mov word [fcw], 0xffff
    fninit
    fnstsw [fsw]
    fnstcw [fcw]
    movzx eax, word [fsw]
    OUT eax                         ; 42
    movzx eax, word [fcw]
    OUT eax                         ; 43
    mov eax, 0x12345678
    fnstsw ax
    OUT eax                         ; 44
    mov eax, cr0
    or eax, 4                       ; EM
    mov cr0, eax
    TRY fninit                      ; #NM
    wait                            ; EM alone: no fault
    xor eax, 4 | 8                  ; TS, not EM
    mov cr0, eax
    TRY fnstsw [fsw]                ; #NM
    wait                            ; TS without MP: no fault
    or eax, 2                       ; TS and MP
    mov cr0, eax
    TRY wait                        ; #NM
    and eax, ~0xe
    mov cr0, eax
    wait
    fninit
    OUT 0x0d0e                      ; 45
    cli
    hlt

; ---- exception handlers: log (vector, code), resume at [resume]
ud_handler:
    push dword 6
    jmp record_nocode
nm_handler:
    push dword 7
    jmp record_nocode
gp_handler:
    push dword 13
record_code:                        ; [esp] vector, [esp+4] code, [esp+8] EIP
    push eax
    push ebx
    mov ebx, [log_ptr]
    mov eax, [esp + 8]
    mov [ebx], eax
    mov eax, [esp + 12]
    mov [ebx + 4], eax
    add dword [log_ptr], 8
    mov eax, [resume]
    mov [esp + 16], eax
    pop ebx
    pop eax
    add esp, 8
    iret
record_nocode:                      ; [esp] vector, [esp+4] EIP
    push eax
    push ebx
    mov ebx, [log_ptr]
    mov eax, [esp + 8]
    mov [ebx], eax
    mov dword [ebx + 4], -1
    add dword [log_ptr], 8
    mov eax, [resume]
    mov [esp + 12], eax
    pop ebx
    pop eax
    add esp, 4
    iret

align 4
resume:  dd 0
log_ptr: dd 0
scratch: dd 0
const33: dd 0x33333333
fsw:     dw 0
fcw:     dw 0
align 8
quad:    dd 0x22222222, 0x11111111

align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF           ; 0x08 flat code
    dq 0x00CF92000000FFFF           ; 0x10 flat data
    dq 0x00009A000000FFFF           ; 0x18 16-bit code
    dq 0x00CF90000000FFFF           ; 0x20 flat read-only data
    dq 0x0040920000000FFF           ; 0x28 data, limit 0xFFF
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dd gdt
align 8
idt:
%rep 6
    dq 0
%endrep
    GATE ud_handler, 0x8E           ; 6 #UD
    GATE nm_handler, 0x8E           ; 7 #NM
%rep 5
    dq 0
%endrep
    GATE gp_handler, 0x8E           ; 13 #GP
idt_end:
idtr:
    dw idt_end - idt - 1
    dd idt
