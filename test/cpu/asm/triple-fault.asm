; Protected mode with an empty IDT, then UD2: #UD cannot be delivered (#GP), nor can the
; #GP (#DF), nor the #DF: the processor shuts down.
%include "common.inc"
bits 16
org 0x7c00
start:
    ENTER_PM pm32
    lidt [idtr]
ud_site:
    ud2
idtr:
    dw 0
    dd 0
    FLAT_GDT
