; LTR in protected mode: a valid i386 instruction this CPU does not implement yet.
%include "common.inc"
bits 16
org 0x7c00
start:
    ENTER_PM pm32
    mov ax, 0x18
    ltr ax
    hlt
    FLAT_GDT
