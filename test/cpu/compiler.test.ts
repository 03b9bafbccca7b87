/**
 * The compiling CPU (src/machine/cpu/jit/) against the interpreter alone: the same guest code
 * from the same state must leave the same registers, flags, memory and instruction count at
 * every point the run loop stops — at slice ends inside compiled pages, after code rewrites
 * itself, and at an exception raised in the middle of compiled code.
 */
import { describe, expect, it } from 'vitest';
import { RunExit } from '../../src/machine/cpu/cpu.js';
import { rig, runTo, snapshot, type Rig } from './compiler-rig.js';
import { compileBlockSource } from '../../src/machine/cpu/jit/block-compiler.js';


/** A gcc -O2-shaped loop (bench/cpu-loop.ts's): loads, stores, ALU, LEA with SIB, Jcc, CALL/RET, PUSH/POP, MOVZX, IMUL, shifts. */
const COMPUTE = Uint8Array.of(
  0xbd, 0x40, 0x00, 0x00, 0x00, // mov ebp, 64
  0xbe, 0x00, 0x00, 0x01, 0x00, // outer: mov esi, 0x10000
  0xb9, 0x00, 0x01, 0x00, 0x00, // mov ecx, 256
  0x31, 0xc0, // xor eax, eax
  0x8b, 0x16, // inner: mov edx, [esi]
  0x01, 0xd0, // add eax, edx
  0x8d, 0x54, 0x42, 0x01, // lea edx, [edx + eax*2 + 1]
  0x89, 0x16, // mov [esi], edx
  0x83, 0xc6, 0x04, // add esi, 4
  0xa9, 0x07, 0x00, 0x00, 0x00, // test eax, 7
  0x75, 0x05, // jne .odd
  0x35, 0xb9, 0x79, 0x37, 0x9e, // xor eax, 0x9e3779b9
  0x49, // .odd: dec ecx
  0x75, 0xe4, // jnz inner
  0x50, // push eax
  0xe8, 0x16, 0x00, 0x00, 0x00, // call mix
  0x83, 0xc4, 0x04, // add esp, 4
  0xa3, 0x00, 0x00, 0x02, 0x00, // mov [0x20000], eax
  0x0f, 0xb6, 0xd8, // movzx ebx, al
  0xc6, 0x83, 0x04, 0x00, 0x02, 0x00, 0x01, // mov byte [0x20004 + ebx], 1
  0x4d, // dec ebp
  0x75, 0xbd, // jnz outer
  0xf4, // hlt
  0x55, // mix: push ebp
  0x89, 0xe5, // mov ebp, esp
  0x8b, 0x45, 0x08, // mov eax, [ebp + 8]
  0x89, 0xc1, // mov ecx, eax
  0xc1, 0xe9, 0x03, // shr ecx, 3
  0x6b, 0xc0, 0x1f, // imul eax, eax, 31
  0x29, 0xc8, // sub eax, ecx
  0x3d, 0xe8, 0x03, 0x00, 0x00, // cmp eax, 1000
  0x73, 0x05, // jae .big
  0x05, 0xe8, 0x03, 0x00, 0x00, // add eax, 1000
  0x5d, // .big: pop ebp
  0xc3, // ret
);

/** A loop that rewrites the immediate of its own ADD each time round. */
const SELF_MODIFYING = Uint8Array.of(
  0xb9, 0xe8, 0x03, 0x00, 0x00, // 1000: mov ecx, 1000
  0x05, 0x11, 0x11, 0x11, 0x11, // 1005: add eax, 0x11111111   (immediate at 1006)
  0xff, 0x05, 0x06, 0x10, 0x00, 0x00, // 100a: inc dword [0x1006]
  0x49, // 1010: dec ecx
  0x75, 0xf2, // 1011: jnz 1005
  0xf4, // 1013: hlt
);

/**
 * A poll loop: IN, then the two bytes `middle` between two ADDs, then PAUSE, 300 times.
 *
 *   1000 mov ecx, 300 / 1005 top: in al, 0x61 / add ebx, eax / middle / add esi, eax / pause
 *   100f dec ecx / jnz top / hlt
 */
function pollLoop(middle: readonly [number, number]): Uint8Array {
  return Uint8Array.of(0xb9, 0x2c, 0x01, 0x00, 0x00, 0xe4, 0x61, 0x01, 0xc3, ...middle, 0x01, 0xc6, 0xf3, 0x90, 0x49, 0x75, 0xf3, 0xf4);
}

/** With RDTSC: Linux's delay_tsc spins on RDTSC and PAUSE. */
const POLL = pollLoop([0x0f, 0x31]);

/** With LAHF (stepped by the interpreter) / NOP. */
const POLL_STEPPED = pollLoop([0x9f, 0x90]);

/**
 * A loop whose block rewrites its own ADD's immediate every eighth time round: the block must
 * end right after the store (the slice is cut), not run on into the old ADD. `nops` places the
 * immediate: 1 puts it at 1007 (unaligned: the store takes the accessor), 6 at 100c (aligned:
 * the inline store, which tells the compiler itself).
 */
function selfModifyingBlock(nops: number): Uint8Array {
  const imm = 0x1006 + nops;
  return Uint8Array.of(
    0xb9, 0xe8, 0x03, 0x00, 0x00, // 1000: mov ecx, 1000
    ...new Array<number>(nops).fill(0x90), // nop...
    0x05, 0x11, 0x11, 0x11, 0x11, // top: add eax, 0x11111111
    0xf7, 0xc1, 0x07, 0x00, 0x00, 0x00, // test ecx, 7
    0x75, 0x08, // jnz skip
    0x89, 0x0d, imm & 0xff, imm >> 8, 0x00, 0x00, // mov [imm], ecx
    0x01, 0xc8, // add eax, ecx
    0x49, // skip: dec ecx
    0x75, 0xe8, // jnz top
    0xf4, // hlt
  );
}

/** A loop calling a function in the next page (CROSS_PAGE_CALLEE, at 0x2000). */
const CROSS_PAGE = Uint8Array.of(
  0xb9, 0xe8, 0x03, 0x00, 0x00, // 1000: mov ecx, 1000
  0xe8, 0xf6, 0x0f, 0x00, 0x00, // 1005 top: call 0x2000
  0x49, // 100a: dec ecx
  0x75, 0xf8, // 100b: jnz top
  0xf4, // 100d: hlt
);
/**
 * A loop whose body crosses from page 1 into page 2 with an instruction across the boundary:
 * the setup jumps to the head at 0x1fe0; the MOV at 0x1ffe ends at 0x2004.
 */
const LOOP_ACROSS_PAGES = ((): Uint8Array => {
  const code = new Uint8Array(0x1012);
  code.set([
    0xb9, 0x40, 0x9c, 0x00, 0x00, // 1000: mov ecx, 40000
    0xbd, 0x00, 0x00, 0x08, 0x00, // 1005: mov ebp, 0x80000
    0x31, 0xc0, // 100a: xor eax, eax
    0xe9, 0xcf, 0x0f, 0x00, 0x00, // 100c: jmp 1fe0
  ]);
  code.set([0x01, 0xc8], 0xfe0); // 1fe0 head: add eax, ecx
  for (let a = 0xfe2; a < 0xffe; a += 2) code.set([0x89, 0xc3], a); // 1fe2..1ffc: mov ebx, eax (14 times)
  code.set([
    0x89, 0x85, 0xdc, 0xfe, 0xff, 0xff, // 1ffe: mov [ebp-0x124], eax (across the boundary)
    0x03, 0x85, 0xdc, 0xfe, 0xff, 0xff, // 2004: add eax, [ebp-0x124]
    0x49, // 200a: dec ecx
    0x0f, 0x85, 0xcf, 0xff, 0xff, 0xff, // 200b: jnz 1fe0
    0xf4, // 2011: hlt
  ], 0xffe);
  return code;
})();
/**
 * A switch through a jump table (table at 0x3000: case 0, case 2, case 1, case 3), 3,000 times:
 *   1000 mov ecx, 3000 / xor eax, eax
 *   1007 head: mov edx, ecx / and edx, 3 / jmp [0x3000 + edx * 4]
 *   1013 case 0: add eax, 1 / jmp tail      1018 case 1: add eax, 3 / nop / nop (on into case 2)
 *   101d case 2: xor eax, ecx / jmp tail    1021 case 3: shl eax, 1 / jmp tail
 *   1025 tail: dec ecx / jnz head / hlt
 *   1030 other: add eax, 7 / jmp tail  (no entry of the table: a target the test puts there)
 * Decoded in the table's order, case 1 runs into case 2, decoded already: its path leaves
 * through the switch to that label.
 */
const SWITCH = Uint8Array.from([
  0xb9, 0xb8, 0x0b, 0x00, 0x00, 0x31, 0xc0, // 1000
  0x89, 0xca, 0x83, 0xe2, 0x03, 0xff, 0x24, 0x95, 0x00, 0x30, 0x00, 0x00, // 1007 head
  0x83, 0xc0, 0x01, 0xeb, 0x0d, // 1013 case 0
  0x83, 0xc0, 0x03, 0x90, 0x90, // 1018 case 1
  0x31, 0xc8, 0xeb, 0x04, // 101d case 2
  0xd1, 0xe0, 0xeb, 0x00, // 1021 case 3
  0x49, 0x75, 0xdf, 0xf4, // 1025 tail
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // 1029
  0x83, 0xc0, 0x07, 0xeb, 0xf0, // 1030 other
]);
const SWITCH_TABLE = Uint8Array.from([0x13, 0x10, 0, 0, 0x1d, 0x10, 0, 0, 0x18, 0x10, 0, 0, 0x21, 0x10, 0, 0]);

const CROSS_PAGE_CALLEE = Uint8Array.of(
  0x01, 0xc8, // 2000: add eax, ecx
  0x6b, 0xc0, 0x03, // 2002: imul eax, eax, 3
  0xc3, // 2005: ret
);

/**
 * A loop whose block starts on a 64-byte line (0x1040) and that, at ECX = 500, stores DX = 0x29f4
 * at 0x103f: the HLT filler there again, and 0x29 over the block's first byte (ADD → SUB). Its
 * other store, into 0x1800, shares the block's page but no line near its code.
 */
const NEXT_TO_CODE = Uint8Array.of(
  0xb9, 0xe8, 0x03, 0x00, 0x00, // 1000: mov ecx, 1000
  0xbb, 0x00, 0x18, 0x00, 0x00, // 1005: mov ebx, 0x1800
  0xba, 0xf4, 0x29, 0x00, 0x00, // 100a: mov edx, 0x29f4
  0xe9, 0x2c, 0x00, 0x00, 0x00, // 100f: jmp 0x1040
  ...new Array<number>(0x2b).fill(0x90), // 1014: nop...
  0xf4, // 103f: hlt (never reached)
  0x01, 0xc8, // 1040 top: add eax, ecx
  0x89, 0x03, // 1042: mov [ebx], eax
  0x81, 0xf9, 0xf4, 0x01, 0x00, 0x00, // 1044: cmp ecx, 500
  0x75, 0x07, // 104a: jne skip
  0x66, 0x89, 0x15, 0x3f, 0x10, 0x00, 0x00, // 104c: mov [0x103f], dx
  0x49, // 1053 skip: dec ecx
  0x75, 0xea, // 1054: jnz top
  0xf4, // 1056: hlt
);

/**
 * Port I/O in a loop (IN and OUT, immediate and DX ports, 8 and 32 bits), against a device that
 * logs the instruction count at each access and asks the CPU to stop every fifth one (the
 * run returns at the next instruction boundary; the test logs where):
 *
 *   1000 mov ecx, 300
 *   1005 top: in al, 0x80 / add ebx, eax / mov dx, 0x81 / out dx, al / in eax, dx / add ebx, eax
 *        out 0x80, al / dec ecx / jnz top / hlt
 */
const PORT_IO = Buffer.from('b92c010000e48001c366ba8100eeed01c3e6804975eff4', 'hex');

/** Real mode, 32-bit addressing: reads walk ESI up past the 64 KiB limit, and the #GP handler halts. */
const LIMIT_FAULT = Uint8Array.of(
  0x67, 0x8b, 0x06, // 1000: mov ax, [esi]
  0x66, 0x83, 0xc6, 0x04, // 1003: add esi, 4
  0xeb, 0xf7, // 1007: jmp 1000
);

/**
 * Memory accesses of every shape the compiled code's inline RAM path must leave to the
 * interpreter's accessors (emit-mem.ts), between ones it takes: unaligned dwords, words across
 * a page (one into unmapped space past RAM's end), a store into the code's own page
 * (untranslated bytes) and an aligned one into translated bytes (MOV EDI's immediate),
 * PUSH/POP with ESP misaligned, read-modify-writes, PUSH/POP of memory, CALL/RET; pages
 * 12-16 are written only by inline stores (the dirty bits are compared, and cleared at each
 * stop, as a migration's round does). nasm source:
 *
 *   1000 mov esi, 0x10001 / mov ecx, 300
 *   100a top: mov eax, [esi] / add [esi+3], eax / add dword [0x10100], eax / mov ebx, [0x10ffe]
 *        mov [0x15fff], bx / mov [0x11ffe], bx / movzx edx, word [0x11ffe] / movsx edx, byte [esi]
 *        add edx, [0x10100] / mov [data], eax / xor eax, [data]
 *        mov [0x12004], ecx / mov [0x13006], cx / mov [0x14007], cl
 *        movzx ebx, word [0x3fffff] / add eax, ebx / push esi / pop edi
 *        mov ebp, esp / mov esp, 0x60003 / push edx / pop edx / mov esp, ebp
 *        test ecx, 31 / jnz nopatch / mov [patch], ecx / nopatch: call sub / add eax, edi
 *        test ecx, 1 / jz skip
 *        mov byte [esi+0x100], cl / shl dword [esi+0x200], 3 / not word [esi+0x202]
 *   109e skip: inc esi / dec ecx / jnz near top / hlt
 *   10a7 sub: mov eax, [esp] / push dword [0x10100] / pop dword [0x10104] / nops
 *   10b7 mov edi, 0x12345678 (patch: its immediate, 10b8) / ret
 *   10c0 data: dd 0
 */
const MEMORY_SHAPES = Buffer.from(
  'be01000100b92c0100008b060146030105000101008b1dfe0f010066891dff5f010066891dfe1f01000fb715fe1f0100' +
  '0fbe16031500010100a3c01000003305c0100000890d0420010066890d06300100880d074001000fb71dffff3f0001d8' +
  '565f89e5bc03000600525a89ecf7c11f0000007506890db8100000e82700000001f8f7c1010000007414888e00010000' +
  'c1a6000200000366f7960202000046490f8564fffffff48b0424ff35000101008f050401010090bf78563412c3909090' +
  '00000000',
  'hex',
);

/**
 * The lazy flags compiled code writes out itself (emit.ts setArith / setLogic / ZF_SET): a
 * 32-bit TEST after an AF-setting ADD whose flags PUSHFD/POPFD made concrete (AF must clear),
 * and ZF of results whose only set bit is the sign bit, each stored to memory. nasm source:
 *
 *   1000 mov ecx, 200 / mov edi, 0x20000
 *   100a top: mov eax, ecx / or al, 0x0f / add al, 1 / pushfd / popfd / test eax, eax / pushfd
 *        pop edx / mov [edi], edx / mov ebx, ecx / shl ebx, 31 / test ebx, ebx / setz dl
 *        mov [edi+4], dl / add ebx, 0 / setnz dl / mov [edi+5], dl / cmp ebx, 0x80000000
 *        setz dl / mov [edi+6], dl / xor ebx, ebx / setz dl / mov [edi+7], dl / add edi, 8
 *        dec ecx / jnz top / hlt
 */
const FLAG_SHAPES = Buffer.from(
  'b9c8000000bf0000020089c80c0f04019c9d85c09c5a891789cbc1e31f85db0f94c288570483c3000f95c288570581fb' +
  '000000800f94c288570631db0f94c288570783c7084975c2f4',
  'hex',
);

/**
 * Every condition code after CMP (SETcc to memory), after ADD (SETcc) and after SUB (Jcc over an
 * OR that sets the condition's bit of EDX), for each ordered pair of eight edge values
 * (0, 1, -1, 7fffffff, 80000000, 12345678, fffffffe, 80); 36 bytes a pair from 20000. The
 * nasm source uses one macro for the sixteen SETcc and one for a Jcc and its OR:
 *
 *   1000 mov edi, 0x20000 / mov ebp, vals / outer: mov esi, vals
 *        inner: mov eax, [ebp] / mov ebx, [esi] / cmp eax, ebx / SETALL 0 / mov ecx, eax
 *        add ecx, ebx / SETALL 16 / xor edx, edx / sub ecx, ebx / JCCBIT jo, 0 ... JCCBIT jg, 15
 *        mov [edi+32], edx / add edi, 36 / add esi, 4 / cmp esi, vals_end / jb inner
 *        add ebp, 4 / cmp ebp, vals_end / jb outer / hlt (112c) / vals (1130)
 */
const CONDITIONS = Buffer.from(
  'bf00000200bd30110000be301100008b45008b1e39d80f90070f9147010f9247020f9347030f9447040f9547050f9647' +
  '060f9747070f9847080f9947090f9a470a0f9b470b0f9c470c0f9d470d0f9e470e0f9f470f89c101d90f9047100f9147' +
  '110f9247120f9347130f9447140f9547150f9647160f9747170f9847180f9947190f9a471a0f9b471b0f9c471c0f9d47' +
  '1d0f9e471e0f9f471f31d229d9700383ca01710383ca02720383ca04730383ca08740383ca10750383ca20760383ca40' +
  '770681ca80000000780681ca00010000790681ca000200007a0681ca000400007b0681ca000800007c0681ca00100000' +
  '7d0681ca002000007e0681ca004000007f0681ca0080000089572083c72483c60481fe501100000f82f2feffff83c504' +
  '81fd501100000f82defefffff49090900000000001000000ffffffffffffff7f0000008078563412feffffff80000000',
  'hex',
);

/**
 * The less common instructions gcc emits (frame pointers at -O0/-Os, globals through EAX,
 * 64-bit arithmetic on i386), each in register and memory forms, 8/16/32 bits, 200 rounds
 * (nasm source, flat 32-bit):
 *
 *   1000 mov edi, 0x20000 / mov ecx, 200
 *   top: push ebp / mov ebp, esp / sub esp, 16 / mov [ebp-4], ecx / mov eax, ecx / imul eax, eax, 0x9e3779b1
 *        mov [0x30000], eax / mov al, [0x30001] / mov [0x30008], al / mov eax, [0x30000] / mov ax, [0x30002] / mov [0x3000a], ax
 *        mov ebx, ecx / add ebx, 3 / mul ebx / mov [edi], eax / mov [edi+4], edx / imul dword [ebp-4] / mov [edi+8], edx
 *        xor edx, edx / mov esi, ecx / div esi / mov [edi+12], eax / mov [edi+16], edx / cdq / idiv dword [ebp-4] / add [edi+12], eax
 *        mov ax, cx / mov bl, 7 / mul bl / mov dx, 0 / mov si, 13 / div si / mov [edi+56], ax / mov al, cl / cbw / idiv bl
 *        mov [edi+58], ax / imul byte [ebp-4] / mov [edi+60], ax
 *        xchg eax, ebx / xchg ecx, [ebp-4] (twice) / xchg al, ah / xchg [edi+20], dl / xchg [edi+21], dx / xchg esi, eax
 *        mov eax, ecx / mov edx, 0x12345678 / shld eax, edx, 5 / shrd edx, eax, cl / shld [edi+24], eax, 3 / shrd [edi+28], edx, cl
 *        shld ax, dx, 9 / mov [edi+32], eax / mov [edi+36], edx
 *        bsf eax, ecx / bsr edx, ecx / bsf ebx, [edi+40] (zero: ZF) / setz [edi+44] / bsr bx, [edi+24] / mov [edi+46], bx
 *        mov [edi+48], eax / mov [edi+52], edx / leave / add edi, 64 / dec ecx / jnz top
 *        push ebp / mov ebp, esp / o16 leave / hlt (10e7)
 */
const LESS_COMMON = Buffer.from(
  'bf00000200b9c80000005589e583ec10894dfc89c869c0b179379ea300000300a001000300a208000300a10000030066a1' +
  '0200030066a30a00030089cb83c303f7e38907895704f76dfc89570831d289cef7f689470c89571099f77dfc01470c6689' +
  'c8b307f6e366ba000066be0d0066f7f66689473888c86698f6fb6689473af66dfc6689473c93874dfc874dfc86c4865714' +
  '668757159689c8ba785634120fa4d0050fadc20fa44718030fad571c660fa4d0098947208957240fbcc10fbdd10fbc5f28' +
  '0f94472c660fbd5f1866895f2e894730895734c983c740490f8528ffffff5589e566c9f4',
  'hex',
);

/**
 * LOCK on read-modify-writes of memory, PUSHF (32- and 16-bit) and CLI in a loop, after an STI:
 *
 *   sti / mov edi, 0x20000 / mov ecx, 300
 *   top: mov eax, ecx / lock add [edi], eax / lock or dword [edi+4], 0x10 / lock xchg [edi+8], eax
 *        lock inc dword [edi+12] / lock not dword [edi+16] / lock sub [edi+20], ecx
 *        pushfd / pop ebx / mov [edi+24], ebx / o16 pushf / pop bx / mov [edi+28], bx
 *        cli / pushfd / pop edx / mov [edi+32], edx / add edi, 36 / dec ecx / jnz top / hlt
 */
const LOCKED_AND_FLAGS = Buffer.from(
  'fbbf00000200b92c01000089c8f00107f0834f0410f0874708f0ff470cf0f75710f0294f149c5b895f18669c665b66895f1c' +
  'fa9c5a89572083c7244975cdf4',
  'hex',
);

/** Real mode: LOCK ADD [SI], AX a hundred times, then LOCK ADD AX, BX: #UD (a register operand). */
const LOCK_UD = Buffer.from('b96400f001044975faf001d8f4', 'hex');

/**
 * `fill` adds to [0x200000 + ECX*4] for ECX = 1000..1, called once with paging off, then twice
 * with paging on, where pagingRig maps 0x200000.. onto other frames and the code one to one
 * (the same fetch window: only the paging bit tells the blocks apart).
 *
 *   call fill / mov eax, cr0 / or eax, 0x80000000 / mov cr0, eax / jmp next
 *   next: call fill / call fill / hlt
 *   fill: mov ecx, 1000 / .l: mov eax, ecx / imul eax, eax, 7 / add [0x200000 + ecx*4], eax / dec ecx / jnz .l / ret
 */
const PAGING_TURNED_ON = Buffer.from(
  'e8180000000f20c00d000000800f22c0eb00e806000000e801000000f4b9e803000089c86bc00701048d000020004975f1c3',
  'hex',
);

/** Real mode: DIV BX with BX = CX - 500 divides by zero at the 501st round (#DE's handler halts). */
const DIVIDE_ERROR = Buffer.from('b9e80389c831d289cb81ebf401f7f301c64975eff4', 'hex');

/**
 * Paging on (pagingRig): a loop over sixteen data pages mapped to scattered frames, each round
 * a read and a write (the first to a clean page walks and sets D), PUSH/POP, a word store at a
 * page's last two bytes and a dword across into the next page; every 64 rounds it remaps the
 * first data page (its PTE's frame bit flipped) and INVLPGs it. At the end a read of an
 * unmapped page raises #PF, whose handler halts:
 *
 *   1000 mov ecx, 300 / top: mov eax, ecx / and eax, 15 / shl eax, 12 / add eax, 0x200000
 *        mov edx, [eax+8] / add edx, ecx / mov [eax+8], edx / push edx / pop ebx / mov [eax+0xffe], bx
 *        mov [eax+0xffd], ebx / add [eax+0x20], ecx / test ecx, 63 / jnz skip
 *        xor dword [0x101800], 0x1000 / invlpg [0x200000] / skip: dec ecx / jnz top
 *        mov eax, [0x400000] / hlt
 */
const PAGED = Buffer.from(
  'b92c01000089c883e00fc1e00c05000020008b500801ca895008525b668998fe0f00008998fd0f0000014820f7c13f00' +
  '00007511813500181000001000000f013d000020004975bda100004000f4',
  'hex',
);


/**
 * The flat rig with paging on: a page directory at 1 MiB whose first table maps the low 4 MiB
 * one to one, except linear 0x200000-0x20ffff (sixteen pages on frames 0x300000 + ((k * 7) & 15)
 * pages); the next 4 MiB are not present. #PF's gate (IDT at 0x5000, GDT at 0x7000) leads to a
 * HLT at 0x6000.
 */
function pagingRig(compiler: boolean, code: Uint8Array): Rig {
  const r = rig(compiler, code, true);
  const m = r.memory;
  m.writeBytes(0x100000, Uint8Array.of(0x03, 0x10, 0x10, 0x00)); // PDE 0: table at 0x101000, P RW
  const table = new DataView(new ArrayBuffer(4096));
  for (let i = 0; i < 1024; i++) {
    const frame = i >= 0x200 && i < 0x210 ? 0x300000 + (((i - 0x200) * 7) & 15) * 0x1000 : i * 0x1000;
    table.setUint32(i * 4, frame | 0x03, true);
  }
  m.writeBytes(0x101000, new Uint8Array(table.buffer));
  const gate = new DataView(new ArrayBuffer(8));
  gate.setUint32(0, (0x08 << 16) | 0x6000, true);
  gate.setUint32(4, 0x8e00, true); // 32-bit interrupt gate, present, DPL 0
  m.writeBytes(0x5000 + 14 * 8, new Uint8Array(gate.buffer));
  m.writeBytes(0x6000, Uint8Array.of(0xf4)); // hlt
  // The GDT the gate's selector names: null, flat code (0x08), flat data (0x10).
  m.writeBytes(0x7000, Buffer.from('0000000000000000ffff0000009acf00ffff00000092cf00', 'hex'));
  const s = r.cpu.getState();
  s.gdtr = { base: 0x7000, limit: 23 };
  s.cr0 |= 0x80000000;
  s.cr3 = 0x100000;
  s.idtr = { base: 0x5000, limit: 0x7ff };
  r.cpu.setState(s);
  return r;
}


/** Real mode with `vector`'s handler at 0000:2000 a HLT, and ESI = 0xf000 (the limit-fault loops walk it up). */
function faultRig(compiler: boolean, code: Uint8Array, vector: number): Rig {
  const r = rig(compiler, code, false);
  r.memory.writeBytes(vector * 4, Uint8Array.of(0x00, 0x20, 0x00, 0x00)); // IVT[vector] = 0000:2000
  r.memory.writeBytes(0x2000, Uint8Array.of(0xf4)); // hlt
  const s = r.cpu.getState();
  s.esi = 0xf000;
  r.cpu.setState(s);
  return r;
}

/** Both run until the handler halts, to the same state. */
function expectSameHalt(on: Rig, off: Rig): void {
  expect(runTo(on, 1_000_000)).toBe(RunExit.HALTED);
  expect(runTo(off, 1_000_000)).toBe(RunExit.HALTED);
  expect(snapshot(on)).toEqual(snapshot(off));
}

/** Both rigs run to each stop in turn: the same exit and the same state at every one. */
function expectSameAt(on: Rig, off: Rig, stops: readonly number[]): void {
  for (const at of stops) {
    expect(runTo(on, at)).toBe(runTo(off, at));
    expect(snapshot(on)).toEqual(snapshot(off));
  }
}

/** A dword's bytes, little-endian. */
const le = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

/**
 * `body` as a loop over `table` (at 0x3000, ESI) writing at 0x4000 (EDI), `count` times: `counter`
 * is the MOV r32, imm32 opcode of its count register (0xB9 ECX, 0xBB EBX), which the body's last
 * instruction decrements. Run compiled and interpreted to the HLT after it.
 */
function tableLoopBoth(counter: number, count: number, body: readonly number[], table: Uint8Array): { on: Rig; off: Rig } {
  const code = Uint8Array.from([
    0xbe, ...le(0x3000), 0xbf, ...le(0x4000), counter, ...le(count), // mov esi, edi, the counter
    ...body, 0x75, (-(body.length + 2)) & 0xff, // jnz loop
    0xf4, // hlt
  ]);
  const make = (compiler: boolean): Rig => {
    const r = rig(compiler, code, true);
    r.memory.writeBytes(0x3000, table);
    return r;
  };
  const on = make(true);
  const off = make(false);
  expect(runTo(on, 100_000)).toBe(RunExit.HALTED);
  expect(runTo(off, 100_000)).toBe(RunExit.HALTED);
  return { on, off };
}

/** The compiler's pages (jit.ts CompiledPage), for looking at what it compiled. */
type JitPages = { pages: ({ blockOf: Uint16Array; runs: unknown[]; spill: Uint8Array | null } | undefined)[] };
const jitOf = (r: Rig): JitPages => (r.cpu as unknown as { jit: JitPages }).jit;

/** `code` (LOOP_ACROSS_PAGES by default) on a flat rig, compiled with the default thresholds (blocks start where transfers land) or interpreted. */
function loopRig(compiler: boolean, code: Uint8Array = LOOP_ACROSS_PAGES): Rig {
  const r = rig(compiler, code, true);
  if (compiler) r.cpu.setCompiler('on');
  return r;
}

describe('the compiling CPU', () => {
  it('runs the compute loop to the same state as the interpreter at every stop, compiling it', () => {
    const on = rig(true, COMPUTE, true);
    const off = rig(false, COMPUTE, true);
    // Stops at odd instruction counts land inside compiled pages, mid-block.
    const stops = [1, 2, 7, 13, 100, 1_001, 4_099, 50_000, 123_457, 400_000, 2_000_000];
    for (const at of stops) {
      const a = runTo(on, at);
      const b = runTo(off, at);
      expect(a).toBe(b);
      expect(snapshot(on)).toEqual(snapshot(off));
    }
    const stats = on.cpu.compilerStats!;
    expect(stats.compiles).toBeGreaterThan(0);
    expect(stats.translated).toBeGreaterThan(20);
    expect(off.cpu.compilerStats).toBeNull();
  });

  it('a block that meets the slice\'s end at its start hands over to the interpreter, and is not compiled again', () => {
    const on = rig(true, COMPUTE, true);
    const off = rig(false, COMPUTE, true);
    expectSameAt(on, off, [10_000]);
    const compiled = on.cpu.compilerStats!.compiles;
    // One instruction per run: every block entered finds too little of the slice for its first run.
    for (let k = 0; k < 200; k++) {
      const at = on.clock.icount + 1;
      expect(runTo(on, at)).toBe(runTo(off, at));
      expect(on.cpu.getState()).toEqual(off.cpu.getState());
    }
    expect(snapshot(on)).toEqual(snapshot(off));
    // New stretches start mid-loop (a few new blocks); a block returning at once is not profiled
    // again (when it was, and every arrival counted, it was compiled again ~100 times here; the
    // default-thresholds test below fails without it too).
    expect(on.cpu.compilerStats!.compiles - compiled).toBeLessThan(20);
  });

  it('memory accesses off the inline RAM path (unaligned, across pages, into a code page, misaligned stack) match the interpreter', () => {
    // Flat; DS based (every DS access takes the accessor); a flat SS with B clear (PUSH/POP move SP only).
    const variants: [number, number, number][] = [[0, 0xc093, 0x80000], [0x100, 0xc093, 0x80000], [0, 0x8093, 0x18000]];
    for (const [dsBase, ssAttributes, esp] of variants) {
      const setUp = (compiler: boolean): Rig => {
        const r = rig(compiler, MEMORY_SHAPES, true);
        const s = r.cpu.getState();
        s.ds = { ...s.ds, base: dsBase };
        s.ss = { ...s.ss, attributes: ssAttributes };
        s.esp = esp;
        r.cpu.setState(s);
        return r;
      };
      const on = setUp(true);
      const off = setUp(false);
      for (const at of [3, 17, 29, 101, 333, 1_000, 2_345, 5_000, 100_000]) {
        expect(runTo(on, at)).toBe(runTo(off, at));
        expect(snapshot(on)).toEqual(snapshot(off));
        on.memory.dirty.bytes.fill(0);
        off.memory.dirty.bytes.fill(0);
      }
      expect(on.cpu.getState().eip).toBe(0x10a7); // halted after the HLT
      if (dsBase === 0) expect(on.cpu.getState().edi).toBe(32); // the last immediate written
      expect(on.cpu.compilerStats!.translated).toBeGreaterThan(20);
    }
  });

  it('lazy flags written out in compiled code (TEST, ADD, CMP, XOR, then SETcc or PUSHFD) match the interpreter', () => {
    const on = rig(true, FLAG_SHAPES, true);
    const off = rig(false, FLAG_SHAPES, true);
    expectSameAt(on, off, [5, 23, 101, 1_000, 100_000]);
    expect(on.cpu.getState().eip).toBe(0x1049); // halted after the HLT
    expect(on.cpu.compilerStats!.translated).toBeGreaterThan(10);
  });

  it('32-bit shifts and rotates by a constant, written out in compiled code, leave the interpreter\'s values and flags (register and memory, after lazy arithmetic, logic and 8-bit TEST flags, read by SETcc and PUSHFD)', () => {
    const pairs = [
      [0x80000000, 0x80000000], [0x7fffffff, 1], [0x12345678, 0x9abcdef0], [1, 0xffffffff],
      [0, 0], [0xdeadbeef, 0x01010101], [0x40000000, 0x40000000], [0xffffffff, 0xffffffff], [0x80, 0x7f],
    ];
    const table = new Uint8Array(pairs.length * 8);
    pairs.forEach(([a, b], i) => {
      new DataView(table.buffer).setUint32(i * 8, a, true);
      new DataView(table.buffer).setUint32(i * 8 + 4, b, true);
    });
    // ROL ROR SHL SHR SAL SAR (RCL and RCR read CF: shift()'s).
    for (const op of [0, 1, 4, 5, 6, 7]) {
      for (const n of [1, 2, 7, 16, 31]) {
        // add ebx, eax / add eax, ebx (lazy arithmetic flags), xor (logic), test bl, al / test al, bl (8-bit logic)
        for (const [before, before2] of [[[0x01, 0xc3], [0x01, 0xd8]], [[0x31, 0xc3], [0x31, 0xd8]], [[0x84, 0xc3], [0x84, 0xd8]]]) {
          const shiftReg = n === 1 ? [0xd1, 0xc0 | (op << 3)] : [0xc1, 0xc0 | (op << 3), n];
          const shiftMem = n === 1 ? [0xd1, (op << 3) | 7] : [0xc1, (op << 3) | 7, n];
          const body = [
            0x8b, 0x06, // loop: mov eax, [esi]
            0x8b, 0x5e, 0x04, // mov ebx, [esi+4]
            ...before, // flags of one kind
            ...shiftReg, // op eax, n
            0x89, 0x07, // mov [edi], eax
            0x0f, 0x92, 0xc0, 0x0f, 0x90, 0xc4, // setc al; seto ah
            0x0f, 0x94, 0xc2, 0x0f, 0x98, 0xc6, // setz dl; sets dh
            0x0f, 0x9c, 0xc3, 0x0f, 0x9e, 0xc7, // setl bl; setle bh
            0x9c, 0x5d, // pushfd; pop ebp
            0x89, 0x47, 0x04, 0x89, 0x57, 0x08, 0x89, 0x5f, 0x0c, 0x89, 0x6f, 0x10, // mov [edi+4..16], eax edx ebx ebp
            0x8b, 0x06, // mov eax, [esi]
            ...before2, // flags of the same kind before the memory form
            ...shiftMem, // op dword [edi], n
            0x0f, 0x96, 0xc0, 0x0f, 0x9e, 0xc4, // setbe al; setle ah
            0x9c, 0x5d, 0x89, 0x47, 0x14, 0x89, 0x6f, 0x18, // pushfd; pop ebp; mov [edi+20], eax; mov [edi+24], ebp
            0x83, 0xc6, 0x08, 0x83, 0xc7, 0x1c, // add esi, 8; add edi, 28
            0x49, // dec ecx
          ];
          const { on, off } = tableLoopBoth(0xb9, pairs.length, body, table); // ECX counts
          const what = `op ${op} n ${n} after ${before[0].toString(16)}`;
          expect(snapshot(on), what).toEqual(snapshot(off));
          expect(on.memory.readBytes(0x4000, 28 * pairs.length), what).toEqual(off.memory.readBytes(0x4000, 28 * pairs.length));
          expect(on.cpu.compilerStats!.translated).toBeGreaterThan(20);
        }
      }
    }
    // Written out, not a call of shift(): the loop's block has neither form's call.
    const w = { ram: rig(false, Uint8Array.of(0xc1, 0xc8, 0x07, 0xc1, 0x2f, 0x03, 0xf4), true).memory.ram, lo: 0, len: 0x100000, delta: 0, csD: true };
    const block = compileBlockSource(w, 0x1000, 0x1000);
    expect(block.source).not.toContain('shift(c');
    expect(block.source).toContain('(x >>> 7) | (x << 25)');
  });

  it('32-bit shifts and rotates by CL, written out in compiled code, leave the interpreter\'s values and flags: counts masked to 5 bits, a zero count changing nothing (register and memory)', () => {
    const values = [0x80000000, 0x7fffffff, 0x12345678, 1, 0, 0xdeadbeef, 0x40000000, 0xffffffff];
    const counts = [0, 1, 2, 7, 16, 31, 32, 33, 63, 0xffffff01];
    const table = new Uint8Array(values.length * counts.length * 8);
    const dv = new DataView(table.buffer);
    let k = 0;
    for (const v of values) {
      for (const n of counts) {
        dv.setUint32(k * 8, v, true);
        dv.setUint32(k * 8 + 4, n >>> 0, true);
        k++;
      }
    }
    for (const op of [0, 1, 4, 5, 6, 7]) {
      for (const before of [0x01, 0x31, 0x84]) { // add edx, eax / xor edx, eax / test dl, al
        const body = [
          0x8b, 0x06, 0x8b, 0x4e, 0x04, // loop: mov eax, [esi]; mov ecx, [esi+4]
          before, 0xc2, // flags of one kind
          0xd3, 0xc0 | (op << 3), // op eax, cl
          0x9c, 0x5a, 0x89, 0x07, 0x89, 0x57, 0x04, // pushfd; pop edx; mov [edi], eax; mov [edi+4], edx
          0x8b, 0x06, 0x89, 0x47, 0x08, // mov eax, [esi]; mov [edi+8], eax
          before, 0xc2,
          0xd3, 0x47 | (op << 3), 0x08, // op dword [edi+8], cl
          0x9c, 0x5a, 0x89, 0x57, 0x0c, // pushfd; pop edx; mov [edi+12], edx
          0x83, 0xc6, 0x08, 0x83, 0xc7, 0x10, // add esi, 8; add edi, 16
          0x4b, // dec ebx
        ];
        const { on, off } = tableLoopBoth(0xbb, k, body, table); // EBX counts (CL is the count)
        const what = `op ${op} after ${before.toString(16)}`;
        expect(on.memory.readBytes(0x4000, 16 * k), what).toEqual(off.memory.readBytes(0x4000, 16 * k));
        expect(snapshot(on), what).toEqual(snapshot(off));
      }
    }
    const w = { ram: rig(false, Uint8Array.of(0xd3, 0xe8, 0xd3, 0x27, 0xf4), true).memory.ram, lo: 0, len: 0x100000, delta: 0, csD: true };
    expect(compileBlockSource(w, 0x1000, 0x1000).source).not.toContain('shift(c');
  });

  it('every condition code in compiled SETcc and Jcc matches the interpreter', () => {
    const on = rig(true, CONDITIONS, true);
    const off = rig(false, CONDITIONS, true);
    expectSameAt(on, off, [7, 50, 333, 2_000, 100_000]);
    expect(on.cpu.getState().eip).toBe(0x112d); // halted after the HLT
    expect(on.memory.read8(0x20000 + 36 * 9 + 12)).toBe(0); // 1 < 1 (JL after CMP) is false
    expect(on.memory.read8(0x20000 + 36 * 32 + 12)).toBe(1); // 80000000 < 0 signed (pair 4, 0)
    expect(on.cpu.compilerStats!.translated).toBeGreaterThan(50);
  });

  it('IN and OUT in compiled code reach the device at the interpreter\'s instruction counts', () => {
    const setUp = (compiler: boolean): { r: Rig; log: string[] } => {
      const r = rig(compiler, PORT_IO, true);
      const log: string[] = [];
      let n = 0;
      const cut = (): void => {
        if (++n % 5 === 0) r.cpu.requestStop();
      };
      r.bus.mapPorts(r.bus.registerDevice('probe'), 0x80, 2, {
        sizes: 7,
        read: (port, size) => {
          log.push(`r ${port} ${size} @${r.clock.icount}`);
          cut();
          return (n * 0x01010101) & (size === 1 ? 0xff : -1);
        },
        write: (port, size, value) => {
          log.push(`w ${port} ${size} ${value} @${r.clock.icount}`);
          cut();
        },
      });
      return { r, log };
    };
    const drive = (x: { r: Rig; log: string[] }, until: number): RunExit => {
      for (;;) {
        const exit = runTo(x.r, until);
        if (exit !== RunExit.STOPPED) return exit;
        x.log.push(`stop @${x.r.clock.icount}`);
      }
    };
    const on = setUp(true);
    const off = setUp(false);
    for (const at of [4, 9, 77, 1_000, 100_000]) {
      expect(drive(on, at)).toBe(drive(off, at));
      expect(snapshot(on.r)).toEqual(snapshot(off.r));
    }
    expect(on.log).toEqual(off.log);
    expect(on.log.length).toBe(1200 + 240);
    expect(on.r.cpu.compilerStats!.translated).toBeGreaterThan(8);
  });

  it('code that rewrites itself runs the new bytes: the translation is dropped', () => {
    const on = rig(true, SELF_MODIFYING, true);
    const off = rig(false, SELF_MODIFYING, true);
    expect(runTo(on, 1_000_000)).toBe(RunExit.HALTED);
    expect(runTo(off, 1_000_000)).toBe(RunExit.HALTED);
    expect(snapshot(on)).toEqual(snapshot(off));
    let sum = 0;
    for (let k = 0; k < 1000; k++) sum = (sum + 0x11111111 + k) | 0;
    expect(on.cpu.getState().eax | 0).toBe(sum);
    expect(on.cpu.compilerStats!.invalidations).toBeGreaterThan(0);
  });

  it('a store into the running block ends it at the next instruction', () => {
    for (const nops of [1, 6]) {
      const on = rig(true, selfModifyingBlock(nops), true);
      const off = rig(false, selfModifyingBlock(nops), true);
      expect(runTo(on, 1_000_000)).toBe(RunExit.HALTED);
      expect(runTo(off, 1_000_000)).toBe(RunExit.HALTED);
      expect(snapshot(on)).toEqual(snapshot(off));
      expect(on.cpu.compilerStats!.invalidations).toBeGreaterThan(0);
    }
  });

  it('a store into a later instruction of the same straight run ends the block before it', () => {
    // The slice is checked once per run of instructions; a store into translated code must
    // still end the block at the next boundary, before the ADD it rewrote.
    const code = Uint8Array.of(
      0xb9, 0xe8, 0x03, 0x00, 0x00, // 1000: mov ecx, 1000
      0xf7, 0xc1, 0x07, 0x00, 0x00, 0x00, // 1005 top: test ecx, 7
      0x75, 0x0b, // jnz skip
      0x89, 0x0d, 0x14, 0x10, 0x00, 0x00, // mov [0x1014], ecx (the next instruction's immediate)
      0x05, 0x00, 0x00, 0x00, 0x00, // 1013: add eax, imm32
      0x49, // 1018 skip: dec ecx
      0x75, 0xea, // jnz top
      0xf4, // hlt
    );
    const on = rig(true, code, true);
    const off = rig(false, code, true);
    expect(runTo(on, 1_000_000)).toBe(RunExit.HALTED);
    expect(runTo(off, 1_000_000)).toBe(RunExit.HALTED);
    expect(snapshot(on)).toEqual(snapshot(off));
    expect(on.cpu.getState().eax).toBe(63000); // 8 + 16 + ... + 1000
    expect(on.cpu.compilerStats!.invalidations).toBeGreaterThan(0);
  });

  it('an exception in the middle of compiled code is taken at the faulting instruction, uncounted', () => {
    const on = faultRig(true, LIMIT_FAULT, 13);
    const off = faultRig(false, LIMIT_FAULT, 13);
    expectSameHalt(on, off);
    // The pushed IP is the faulting MOV's, after 0x1000 / 4 = 1024 rounds of three instructions.
    expect(on.memory.read16(0x8000 - 6)).toBe(0x1000);
    expect(on.clock.icount).toBe(3 * 1024 + 1);
    expect(on.cpu.compilerStats!.compiles).toBeGreaterThan(0);
  });

  it('LEAVE, MOV moffs, MUL/IMUL/DIV/IDIV, XCHG, SHLD/SHRD and BSF/BSR run compiled, as the interpreter runs them', () => {
    const on = rig(true, LESS_COMMON, true);
    const off = rig(false, LESS_COMMON, true);
    expectSameAt(on, off, [4, 9, 31, 77, 150, 1_001, 5_555, 12_000, 1_000_000]);
    expect(on.cpu.getState().eip).toBe(0x10e8); // halted after the HLT
    expect(on.memory.read16(0x20000 + 64 * 199 + 58)).not.toBe(0); // the last round's IDIV wrote its result
    // The loop's first block (64 instructions from `top`) is all translated: nothing stepped.
    const w = { ram: on.memory.ram, lo: 0, len: 0x100000, delta: 0, csD: true };
    const block = compileBlockSource(w, 0x1000, 0x100a);
    expect(block.instructions).toBe(64);
    expect(block.source).not.toMatch(/step(Rep)?\(c\)/);
  });

  it('LOCK on memory read-modify-writes, PUSHF and CLI run compiled, as the interpreter runs them; LOCK on a register is #UD', () => {
    const on = rig(true, LOCKED_AND_FLAGS, true);
    const off = rig(false, LOCKED_AND_FLAGS, true);
    expectSameAt(on, off, [2, 9, 33, 101, 1_001, 4_321, 1_000_000]);
    expect(on.memory.read32(0x20000 + 36 * 299 + 32) & 0x200).toBe(0); // IF, pushed after the CLI
    expect(on.memory.read32(0x20000 + 24) & 0x200).not.toBe(0); // IF, pushed after the STI
    const w = { ram: on.memory.ram, lo: 0, len: 0x100000, delta: 0, csD: true };
    const block = compileBlockSource(w, 0x1000, 0x100b);
    expect(block.source.match(/step(Rep)?\(c\)/g)).toEqual(['step(c)']); // the HLT only
    expectSameHalt(faultRig(true, LOCK_UD, 6), faultRig(false, LOCK_UD, 6));
  });

  it('blocks compiled with paging off are not run with it on (the same window: code mapped one to one)', () => {
    const make = (compiler: boolean): Rig => {
      const r = pagingRig(compiler, PAGING_TURNED_ON);
      const s = r.cpu.getState();
      s.cr0 &= 0x7fffffff;
      r.cpu.setState(s);
      return r;
    };
    const on = make(true);
    const off = make(false);
    expectSameAt(on, off, [40, 2_001, 5_003, 7_777, 9_000, 12_345, 1_000_000]);
    expect(on.cpu.getState().eip).toBe(0x101d); // halted after the HLT
    expect(on.memory.read32(0x200000 + 4 * 999)).toBe(999 * 7); // paging off: the frame itself
  });

  it('a divide error in compiled code is taken at the DIV, uncounted', () => {
    const on = faultRig(true, DIVIDE_ERROR, 0);
    const off = faultRig(false, DIVIDE_ERROR, 0);
    expectSameHalt(on, off);
    expect(on.memory.read16(0x8000 - 6)).toBe(0x100d); // the pushed IP is the DIV's
    expect(on.clock.icount).toBe(1 + 500 * 8 + 4 + 1); // MOV CX, 500 rounds, four of the next, the handler's HLT
    expect(on.cpu.compilerStats!.compiles).toBeGreaterThan(0);
  });

  it('with paging on, compiled accesses through the TLB, walks, remaps and a page fault match the interpreter', () => {
    const on = pagingRig(true, PAGED);
    const off = pagingRig(false, PAGED);
    expectSameAt(on, off, [3, 10, 57, 200, 777, 1_500, 3_001, 1_000_000]);
    expect(on.cpu.getState().eip).toBe(0x6001); // halted in the #PF handler
    expect(on.cpu.getState().cr2).toBe(0x400000);
    expect(on.memory.read32(0x101000 + 0x203 * 4) & 0x60).toBe(0x60); // the walk set A and D
    expect(on.cpu.compilerStats!.translated).toBeGreaterThan(15);
  });

  it('with the default thresholds, only where transfers land becomes a block: slice ends anywhere are not counted', () => {
    // 40,000 run() calls of 499 instructions each: every instruction of the loop is where some
    // slice ends and the next begins. Counting those arrivals would make each a block's start.
    const long = Uint8Array.from(COMPUTE);
    long.set([0x00, 0x00, 0x01, 0x00], 1); // mov ebp, 65536: the outer loop runs past 20 M instructions
    const on = rig(true, long, true);
    on.cpu.setCompiler('on');
    const off = rig(false, long, true);
    for (let at = 499; at <= 20_000_000; at += 499) runTo(on, at);
    runTo(off, on.clock.icount);
    expect(snapshot(on)).toEqual(snapshot(off));
    const stats = on.cpu.compilerStats!;
    expect(stats.compiles).toBeGreaterThan(0);
    // The loop heads, the branch target, the call, its return and the ret's: 6 (13 when slice ends counted).
    expect(stats.compiles).toBeLessThanOrEqual(8);
  });

  it('an exception right after a flag-setting instruction pushes that instruction\'s flags', () => {
    // The compiled ADD keeps its flags in the block's locals; the faulting read stores them
    // before the exception: the #GP frame's FLAGS have the last ADD's AF (0xfffc + 4).
    const code = Uint8Array.of(
      0x66, 0x83, 0xc6, 0x04, // 1000: add esi, 4
      0x67, 0x8b, 0x06, // 1004: mov ax, [esi]
      0xeb, 0xf7, // 1007: jmp 1000
    );
    const on = faultRig(true, code, 13);
    const off = faultRig(false, code, 13);
    expectSameHalt(on, off);
    expect(on.memory.read16(0x8000 - 6)).toBe(0x1004);
    expect(on.memory.read16(0x8000 - 2) & 0x10).toBe(0x10);
    expect(on.cpu.compilerStats!.compiles).toBeGreaterThan(0);
  });

  it('a block goes on after an instruction it steps (LAHF): the poll loop stays in one block, exactly', () => {
    const on = rig(true, POLL_STEPPED, true);
    const off = rig(false, POLL_STEPPED, true);
    expectSameAt(on, off, [3, 8, 101, 777, 1_000_000]);
    expect(on.cpu.getState().ecx).toBe(0);
    // The block from the loop head holds the whole loop and the HLT after it (LAHF and HLT
    // stepped); it ends at the HLT, after which going on is pointless.
    const w = { ram: on.memory.ram, lo: 0, len: 0x100000, delta: 0, csD: true };
    const block = compileBlockSource(w, 0x1000, 0x1005);
    expect(block.instructions).toBe(9);
    expect(block.source.match(/step\(c\)/g)).toHaveLength(2);
  });

  it('RDTSC and PAUSE run compiled: the same TSC values at the same instruction counts as the interpreter', () => {
    const on = rig(true, POLL, true);
    const off = rig(false, POLL, true);
    expectSameAt(on, off, [3, 8, 101, 777, 1_000_000]);
    expect(on.cpu.getState().ecx).toBe(0);
    expect(on.cpu.getState().esi).not.toBe(0);
    const w = { ram: on.memory.ram, lo: 0, len: 0x100000, delta: 0, csD: true };
    const block = compileBlockSource(w, 0x1000, 0x1005);
    expect(block.instructions).toBe(8);
    expect(block.source.match(/step\(c\)/g)).toHaveLength(1); // the HLT
    expect(block.source).toContain('rdtsc(c)');
  });

  it('a call into another page runs that page\'s block: dispatch looks past the fetch window\'s page (paging off and on)', () => {
    for (const paged of [false, true]) {
      const make = (compiler: boolean): Rig => {
        const r = paged ? pagingRig(compiler, CROSS_PAGE) : rig(compiler, CROSS_PAGE, true);
        r.memory.writeBytes(0x2000, CROSS_PAGE_CALLEE);
        return r;
      };
      const on = make(true);
      const off = make(false);
      expectSameAt(on, off, [7, 1_001, 2_500, 1_000_000]);
      expect(on.cpu.getState().ecx).toBe(0);
      const jit = jitOf(on);
      expect(jit.pages[2]?.blockOf[0]).toBeGreaterThan(0);
    }
  });

  it('a loop across a page boundary runs compiled: in one block going on into the next page (paging off), or in one per page with the instruction across the boundary stepped (paging on)', () => {
    for (const paged of [false, true]) {
      const make = (compiler: boolean): Rig => {
        if (!paged) return loopRig(compiler);
        const r = pagingRig(compiler, LOOP_ACROSS_PAGES);
        if (compiler) r.cpu.setCompiler('on'); // the default thresholds, as loopRig
        return r;
      };
      const on = make(true);
      const off = make(false);
      expectSameAt(on, off, [17, 4_099, 250_001, 1_000_000]);
      expect(on.cpu.getState().ecx).toBe(0);
      const jit = jitOf(on);
      expect(jit.pages[1]?.blockOf[0xfe0]).toBeGreaterThan(0);
      if (!paged) {
        // The head's block holds the whole loop: page 2's bytes it read are watched as its own.
        expect(jit.pages[1]!.spill![0x004]).toBe(1);
        expect(jit.pages[2]?.blockOf[0x004] ?? 0).toBe(0);
      } else {
        // Paging on: the block ends with the crossing MOV, stepped, and the next starts at 0x2004
        // (ending the block before the MOV left the rest of every iteration to the interpreter).
        expect(jit.pages[2]?.blockOf[0x004]).toBeGreaterThan(0);
      }
    }
    const w = { ram: rig(false, LOOP_ACROSS_PAGES, true).memory.ram, lo: 0x1000, len: 0x1000, delta: 0, csD: true };
    const block = compileBlockSource(w, 0x1000, 0x1fe0);
    expect(block.instructions).toBe(16);
    expect(block.source.match(/step\(c\)/g)).toHaveLength(1);
    expect(block.ranges.at(-1)).toEqual([0xffc, 0xffe]); // the crossing MOV is not translated: the interpreter reads it
    // Two pages: the MOV and the rest of the loop translated, the jump back a branch inside.
    const spanned = compileBlockSource({ ...w, len: 0x2000 }, 0x1000, 0x1fe0, 8192);
    expect(spanned.instructions).toBe(20);
    expect(spanned.source.match(/step\(c\)/g)).toHaveLength(1); // the HLT only
    expect(spanned.ranges.at(-1)).toEqual([0x100b, 0x1011]);
  });

  it('a store into the next page\'s bytes a block went on into drops that block (paging off): the new code runs, as the interpreter runs it', () => {
    const on = loopRig(true);
    const off = loopRig(false);
    expectSameAt(on, off, [300_001]);
    expect(jitOf(on).pages[1]?.spill).not.toBeNull();
    // add eax, [ebp-0x124] (page 2) becomes sub: written from outside (a DMA or a loader would).
    const dropped = on.cpu.compilerStats!.invalidations;
    for (const r of [on, off]) r.memory.writeBytes(0x2004, Uint8Array.of(0x2b));
    expect(on.cpu.compilerStats!.invalidations).toBe(dropped + 1);
    expectSameAt(on, off, [300_003, 600_001]);
    // And from the guest: a store into page 2's translated bytes by the CPU.
    for (const r of [on, off]) {
      const s = r.cpu.getState();
      r.memory.writeBytes(0x1000, Uint8Array.of(0xc6, 0x05, 0x04, 0x20, 0x00, 0x00, 0x03, 0xe9, 0xd4, 0x0f, 0x00, 0x00)); // mov byte [0x2004], 0x03 (add again); jmp 1fe0
      s.eip = 0x1000;
      r.cpu.setState(s);
    }
    expectSameAt(on, off, [600_002, 1_000_000, 2_000_000]);
    expect(on.cpu.getState().ecx).toBe(0);
  });

  it('a block that went on into the next page is dropped when the memory map changes: code in a page that became MMIO is not run from RAM', () => {
    const on = loopRig(true);
    const off = loopRig(false);
    // At the loop's head (4 + 19 k): the spanning block is what runs next.
    expectSameAt(on, off, [4 + 19 * 15_000]);
    expect(on.cpu.getState().eip).toBe(0x1fe0);
    const jit = jitOf(on);
    expect(jit.pages[1]?.spill).not.toBeNull();
    // As a device's BAR or a hypervisor would: page 2 stops being RAM.
    for (const r of [on, off]) r.memory.mapMmioPages(2, 1);
    const a = runTo(on, 1_000_000);
    const b = runTo(off, 1_000_000);
    expect(a).toBe(b);
    expect(snapshot(on)).toEqual(snapshot(off));
    expect(jit.pages[1]?.spill ?? null).toBeNull();
  });

  it('a port write that maps MMIO over the next page mid-block stops a block that went on into it at the next boundary', () => {
    // LOOP_ACROSS_PAGES with OUT 0x60, AL in place of the first MOV EBX, EAX: the 30,000th write maps page 2 as MMIO.
    const code = Uint8Array.from(LOOP_ACROSS_PAGES);
    code.set([0xe6, 0x60], 0xfe2);
    const make = (compiler: boolean): Rig => {
      const r = loopRig(compiler, code);
      let writes = 0;
      const device = r.bus.registerDevice('mapper');
      r.bus.mapPorts(device, 0x60, 1, {
        sizes: 1,
        read: () => 0xff,
        write: () => {
          if (++writes === 30_000) r.memory.mapMmioPages(2, 1);
        },
      });
      return r;
    };
    const on = make(true);
    const off = make(false);
    const a = runTo(on, 1_000_000);
    const b = runTo(off, 1_000_000);
    expect(a).toBe(b);
    expect(snapshot(on)).toEqual(snapshot(off));
    expect(on.clock.icount).toBeLessThan(30_001 * 19);
    expect(on.cpu.compilerStats!.compiles).toBeGreaterThan(0);
  });

  it('bytes a block went on into stay watched when the next page\'s own blocks are dropped (paging off)', () => {
    // LOOP_ACROSS_PAGES with a call into page 2 in the loop: page 2 has a block of its own (0x2800).
    const code = new Uint8Array(0x1802);
    code.set(LOOP_ACROSS_PAGES.subarray(0, 0x100a));
    code.set([
      0xe8, 0xf1, 0x07, 0x00, 0x00, // 200a: call 2800
      0x49, // 200f: dec ecx
      0x0f, 0x85, 0xca, 0xff, 0xff, 0xff, // 2010: jnz 1fe0
      0xf4, // 2016: hlt
    ], 0x100a);
    code.set([0x42, 0xc3], 0x1800); // 2800: inc edx; ret
    const on = loopRig(true, code);
    const off = loopRig(false, code);
    expectSameAt(on, off, [400_001]);
    const jit = jitOf(on);
    expect(jit.pages[1]?.spill?.[0x004]).toBe(1);
    expect(jit.pages[2]?.blockOf[0x800]).toBeGreaterThan(0);
    const before = on.cpu.compilerStats!.invalidations;
    // inc edx -> dec edx: page 2's own blocks are dropped; page 1's block stays.
    for (const r of [on, off]) r.memory.writeBytes(0x2800, Uint8Array.of(0x4a));
    expect(on.cpu.compilerStats!.invalidations).toBe(before + 1);
    expect(jit.pages[1]?.spill?.[0x004]).toBe(1);
    // add -> sub in page 2's bytes that page 1's block read: that block is dropped too.
    for (const r of [on, off]) r.memory.writeBytes(0x2004, Uint8Array.of(0x2b));
    expect(on.cpu.compilerStats!.invalidations).toBe(before + 2);
    expectSameAt(on, off, [400_003, 700_001, 2_000_000]);
    expect(on.cpu.getState().ecx).toBe(0);
  });

  it('a compiled store just before a block (a 16-bit store whose second byte is the block\'s first) drops it; stores elsewhere in its page do not reach the compiler', () => {
    const on = rig(true, NEXT_TO_CODE, true);
    const off = rig(false, NEXT_TO_CODE, true);
    const hook = on.memory.codeWriteHook!;
    let calls = 0;
    on.memory.codeWriteHook = (addr, length) => {
      calls++;
      hook(addr, length);
    };
    expect(runTo(on, 1_000_000)).toBe(RunExit.HALTED);
    expect(runTo(off, 1_000_000)).toBe(RunExit.HALTED);
    expect(snapshot(on)).toEqual(snapshot(off));
    // ADD for ECX = 1000..500, then SUB (the store rewrote ADD's opcode) for 499..1.
    let eax = 0;
    for (let ecx = 1000; ecx > 0; ecx--) eax = ecx >= 500 ? eax + ecx : eax - ecx;
    expect(on.cpu.getState().eax).toBe(eax >>> 0);
    expect(on.cpu.compilerStats!.invalidations).toBeGreaterThan(0);
    // The thousand stores into [0x1800], a line of the block's page with no code, called the
    // hook only while the interpreter ran the loop (before its block and after the rewrite).
    expect(calls).toBeLessThan(20);
  });

  it('machines share compiled blocks: the same code compiles to the same function, which runs on each machine\'s own state', () => {
    const seeded = (compiler: boolean, seed: number): Rig => {
      const r = rig(compiler, COMPUTE, true);
      r.memory.writeBytes(0x10000, Uint8Array.from({ length: 1024 }, (_, i) => (i * seed) & 0xff));
      return r;
    };
    const a = seeded(true, 3);
    const b = seeded(true, 7);
    const aOff = seeded(false, 3);
    const bOff = seeded(false, 7);
    // Interleaved in slices: a function shared by both must keep nothing of one machine's.
    for (const at of [500, 2_000, 9_999, 40_000, 1_000_000]) {
      expect(runTo(a, at)).toBe(runTo(aOff, at));
      expect(runTo(b, at)).toBe(runTo(bOff, at));
      expect(snapshot(a)).toEqual(snapshot(aOff));
      expect(snapshot(b)).toEqual(snapshot(bOff));
    }
    expect(snapshot(a).ram).not.toBe(snapshot(b).ram);
    const blocks = (r: Rig): unknown[] => jitOf(r).pages[1]!.runs;
    expect(blocks(a).length).toBeGreaterThan(1);
    expect(new Set(blocks(b))).toEqual(new Set(blocks(a)));
  });
});
