; Selector instructions: LLDT/SLDT and a segment from the LDT, LAR LSL VERR VERW at CPL 0
; and CPL 3 (ZF and the value; bad selectors never fault), and ARPL.
%include "common.inc"
%include "rings.inc"
LDT_SEL equ 0x30
bits 16
org 0x7c00
start:
    ENTER_PM pm32
    mov dword [TSS_A + 4], STACK0
    mov dword [TSS_A + 8], DATA_SEL
    mov ax, TSS_A_SEL
    ltr ax
    SET_GATE 0x30, done, 0xEE
    LOAD_IDT
    mov ax, LDT_SEL
    lldt ax
    xor eax, eax
    sldt ax
    mov [RES], eax
    mov ax, 0x07                      ; LDT entry 0, RPL 3: DPL-3 data based at RES
    mov es, ax
    mov word [es:0x10], 0x5555
    mov ax, DATA_SEL
    mov es, ax
    mov edi, RES + 0x20               ; results: (value, ZF) pairs
    ; LAR
    mov bx, 0x08
    call do_lar
    mov bx, 0
    call do_lar
    mov bx, TSS_A_SEL
    call do_lar
    mov bx, 0x38
    call do_lar
    mov bx, 0x1000
    call do_lar
    ; LSL
    mov bx, 0x50
    call do_lsl
    mov bx, 0x58
    call do_lsl
    mov bx, TSS_A_SEL
    call do_lsl
    mov bx, 0x38
    call do_lsl
    mov bx, 0x0c
    call do_lsl
    ; VERR / VERW
    mov bx, 0x10
    call do_verify
    mov bx, 0x48
    call do_verify
    mov bx, 0x08
    call do_verify
    mov bx, 0x40
    call do_verify
    mov bx, 0x1000
    call do_verify
    ; ARPL
    mov ax, 0xfff0
    mov bx, 0x0002
    arpl ax, bx
    setz cl
    mov [RES + 0xc0], ax
    mov [RES + 0xc2], cl
    arpl ax, bx
    setz cl
    mov [RES + 0xc3], cl
    mov word [RES + 0xc4], 0xfff1
    mov bx, 0x0003
    arpl [RES + 0xc4], bx
    setz cl
    mov [RES + 0xc6], cl
    ; the same inspections at CPL 3
    push dword DATA3_SEL
    push dword STACK3
    pushfd
    push dword CODE3_SEL
    push dword ABS(user)
    iretd
user:
    mov ax, DATA3_SEL
    mov ds, ax
    mov es, ax
    mov edi, RES + 0xa0
    mov bx, 0x08
    call do_lar                       ; DPL 0 code: invisible at CPL 3
    mov bx, 0x18 | 3
    call do_lar
    mov bx, 0x10
    call do_verify                    ; DPL 0 data: invisible
    mov bx, 0x40
    call do_verify                    ; conforming code: readable from any ring
    mov bx, 0x20 | 3
    call do_verify
    int 0x30

do_lar:
    mov eax, 0xdeadbeef
    lar eax, bx
    setz cl
    stosd
    mov [edi], cl
    add edi, 4
    ret

do_lsl:
    mov eax, 0xdeadbeef
    lsl eax, bx
    setz cl
    stosd
    mov [edi], cl
    add edi, 4
    ret

do_verify:
    verr bx
    setz [edi]
    verw bx
    setz [edi + 1]
    add edi, 4
    ret

done:
    hlt

    IDTR
align 8
ldt:
    DESC RES, 0xff, 0xF2              ; 0x04: DPL-3 data at RES
    DESC 0, 0x4321, 0x9A              ; 0x0C: code
ldt_end:
align 8
gdt:
    FLAT_RING_DESCRIPTORS
    DESC TSS_A, 0x67, 0x89           ; 0x28 TSS A
    DESC ABS(ldt), ldt_end - ldt - 1, 0x82 ; 0x30 LDT
    GATE_DESC CODE_SEL, done, 0xEC, 0 ; 0x38 call gate
    DESC 0, 0xffff, 0x9E             ; 0x40 conforming readable code, DPL 0
    DESC 0, 0xffff, 0x90             ; 0x48 read-only data
    dq 0x00CF92000000FFFF            ; 0x50 4 GiB data (G)
    DESC 0, 0x1234, 0x92             ; 0x58 byte-granular data
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dd gdt
