; MOV TR6, EAX in protected mode: a valid i386 instruction (test registers) this CPU does not implement.
%include "common.inc"
bits 16
org 0x7c00
start:
    ENTER_PM pm32
    db 0x0f, 0x26, 0xf0 ; mov tr6, eax
    hlt
    FLAT_GDT
