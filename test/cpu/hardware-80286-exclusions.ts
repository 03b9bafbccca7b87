/**
 * 80286 hardware tests we do not run, by hash. Every entry is a documented difference
 * between the 80286 that produced the test and the 386 we model; nothing else is excluded.
 * (Flags Intel leaves undefined are masked, not excluded: see metadata.json.)
 */

/** The 80286 limits an instruction to 10 bytes and raises #GP(13) or #UD(6) beyond that
 * (80286 PRM, "Instruction length"); the 386 allows 15 bytes (SDM vol. 2, 2.3.11). */
const LENGTH_LIMIT = '286 instruction-length limit of 10 bytes (386: 15)';

/** The 80286 reports a real-mode stack-segment overrun (an SS operand crossing offset
 * 0FFFFh) as #13; the 386 raises #SS(12) (SDM vol. 2, real-address-mode exceptions of
 * POP, PUSH, RET, LEAVE and memory operands: "#SS if ... outside the stack segment"). */
const SS_OVERRUN = '286 reports a real-mode SS overrun as #13; the 386 raises #SS (12)';

/** On a word string instruction at offset 0FFFFh the 80286 advances SI/DI (and CX) before
 * raising #13; on the 386 #GP is a fault, reported with the registers as they were before
 * the instruction so it can be restarted (SDM vol. 3, 6.5 "Faults"). */
const STRING_OVERRUN = '286 advances SI/DI/CX before the #13 of a string access at offset 0FFFFh; 386 faults are restartable';

/** MOV to/from segment register 4 or 5: FS and GS are new in the 386 (the 286 raises #UD). */
const FS_GS = 'FS and GS exist on the 386, not on the 286 (#UD there)';

export const EXCLUSIONS: [hash: string, reason: string][] = [
  ['96d6005c3ca8511434875a461c0f0c19b99fc8eb', SS_OVERRUN], // 07 pop es
  ['66e48b649ac1280947544c0aa2eef8c08d08f95b', SS_OVERRUN], // 29 sub [bp+si],ax
  ['373d853f34d8308f5a0dc6f3e6bd1877a674b23f', SS_OVERRUN], // 31 xor [bp+si],ax
  ['8e8edac1802544820a32fead9d1ad92aeef7f409', SS_OVERRUN], // 33 xor ax,[bp+si]
  ['96a7e707e7c9c0444ea9678d5c79201fdcfd0586', SS_OVERRUN], // 39 cmp [bp+si],ax
  ['3c0b5c8d8dba909c98c0057a8d3e707c96f02de7', SS_OVERRUN], // 3B cmp ax,[bp+si]
  ['85fe27cc1c945de94730f6a32a025d922d89e7ea', SS_OVERRUN], // 62 bound cx,[bp+si]
  ['32d13956d9a83149cc510d933a2c0f9abee6324f', SS_OVERRUN], // 69 imul cx,[bp+si],4273h
  ['3350b4682eb2008f57bb1bd5b066ccb9ac812e6e', SS_OVERRUN], // 6B imul cx,[bp+si],73h
  ['f58bc39ab443a7c2013d782685f9c280dce1de78', SS_OVERRUN], // C2 ret 0E52Eh
  ['ff22b0c96d3736975af9f09f17945f24add4258a', SS_OVERRUN], // C2 ret 0FA5Bh
  ['0a7f06367e5263fcb3ebedaca826e6bcfe9e4c51', SS_OVERRUN], // C3 ret
  ['9b855a03b237133e64b35185c80172db2a358276', SS_OVERRUN], // C3 ret
  ['b16007339dbc7a5035f513f4d9ed56c3659ae040', SS_OVERRUN], // C9 leave
  ['cfcb5bc0d1553e296b74429c5e26fe1e91de3ad8', SS_OVERRUN], // C9 leave
  ['dc5cc6c2c1807b2a82cfe051b582a6c2150eef93', SS_OVERRUN], // C9 leave
  ['bbe2773b0ea68a97a3beb6318a330aefea294d7f', SS_OVERRUN], // C9 leave
  ['0eb86881bc4b729056d0537eac883c0a4a9030d7', SS_OVERRUN], // C9 lock leave
  ['d92634eae3b890f2c487393b66a4d0754464d274', SS_OVERRUN], // CA retf 0FA5Bh
  ['e4440ab52eec988837fa9cbf534a76f3169182b9', SS_OVERRUN], // CB retf
  ['aebe839133cb336ad219f9947aeb42c1189db647', STRING_OVERRUN], // 6D insw
  ['b499a72810251ebb8a623578e32d9ac2e2cfaad1', STRING_OVERRUN], // 6D insw
  ['1b2cf19d1b08051528d2aeb25c79e9d08f732128', STRING_OVERRUN], // 6D insw
  ['b6db3486b6daa4abf88f3e58598958fd610a67c9', STRING_OVERRUN], // 6D insw
  ['8fdaa75e14e5bfc0dcebb22a3c642e4ed73ec3df', STRING_OVERRUN], // 6D insw
  ['3cd5e665ef2dff5e0a55161020bb5a047a368a43', STRING_OVERRUN], // 6D insw
  ['f7e6e14da43d9d9a064ca5cc1324e9f7353356d5', STRING_OVERRUN], // 6D insw
  ['def4c7466d4f4d49b04529d754fec9535fafca44', STRING_OVERRUN], // 6D insw
  ['4e7a1b126ddf8859cf69c8ea6a77847867d674d8', STRING_OVERRUN], // 6D rep insw
  ['f60f1d463a455bb090e8d28ead598f8a6102f335', STRING_OVERRUN], // 6F es outsw
  ['3142bac0ef008bec816ebfe62ef49cf2f5367c92', STRING_OVERRUN], // 6F outsw
  ['c8a41055dbdd7ec22b0e9853083e8bbb66939a01', STRING_OVERRUN], // 6F outsw
  ['50901356b16693484cd67f4e1cd704bbe08fce1c', STRING_OVERRUN], // 6F outsw
  ['c8086ce16c71fda28f529f8291edab473ce28fc4', STRING_OVERRUN], // 6F outsw
  ['740f209bb849d63c124eff10a9a4e42331114caf', STRING_OVERRUN], // 6F outsw
  ['6c416e63284a99a22607f99e548552342f03a0ec', STRING_OVERRUN], // 6F outsw
  ['1cd84ac8a961224a512d852a6c8ebce27313a6b7', STRING_OVERRUN], // 6F rep outsw
  ['e8c9618390e5a6098f9e0de103f91605b38956a1', STRING_OVERRUN], // 6F rep outsw
  ['9d9e2ae41fc88026089b0497286c3b08f6d0f58a', STRING_OVERRUN], // 6F repne outsw
  ['0ecfcd2a9c22afebebf7f53192a84eff32acb1bc', STRING_OVERRUN], // A5 es movsw
  ['939b93037a1081d9512d12c02a6e65028dbfbb0f', STRING_OVERRUN], // A5 movsw
  ['4317a9fa5f0b9f4ff19d8d207916102b6a5e93d7', STRING_OVERRUN], // A5 movsw
  ['83d201ca60b7148b8127568f4bb7368343c68c25', STRING_OVERRUN], // A5 movsw
  ['114029f3d28d6327cf713586206deb61a1cdc02d', STRING_OVERRUN], // A5 movsw
  ['36fe5f5839ddf413d1bb98e4ecce88e63cffba81', STRING_OVERRUN], // A5 movsw
  ['fddc2c22abd7af38e2fd928244aed9425032236a', STRING_OVERRUN], // A5 movsw
  ['6365ff548210feeadc5c22f76af6de439126cf9c', STRING_OVERRUN], // A7 cmpsw
  ['e81f1a3d566fdf52aa9c14a63f33251e8698871b', STRING_OVERRUN], // A7 cmpsw
  ['6bce8a2f5293cad940899afcd2606c4c0880902b', STRING_OVERRUN], // A7 cmpsw
  ['36f4e726cce1df9aafc031f6a1718b71f21b731f', STRING_OVERRUN], // A7 cmpsw
  ['dfcfaf1b5717095ce9acb93aefde61a2aa1d42c0', STRING_OVERRUN], // A7 cmpsw
  ['b4aa7921b6fad112fd691e812a2ed352abd3b351', STRING_OVERRUN], // A7 cmpsw
  ['149c38e8c9a8b3f09ec0ed0ab01091b9cb6d96b5', STRING_OVERRUN], // A7 ss cmpsw
  ['3e73564acf9d447cc7d3ac8aafdf2ec67c5a34cf', STRING_OVERRUN], // AB stosw
  ['75c410c38b1a05b9d2c93e8cb693d7cccdc7cff7', STRING_OVERRUN], // AB stosw
  ['cd90914b138c444dce72c8dc3e23e66538d51e57', STRING_OVERRUN], // AB stosw
  ['487d3ef104bf1f5ef8069aa436b77fcec30550d1', STRING_OVERRUN], // AB stosw
  ['b2f1b76649b54a2939067e358fa837997995b670', STRING_OVERRUN], // AD lodsw
  ['c53b2a0f7c12db2d218b7b3fbf5d7cba17093c4e', STRING_OVERRUN], // AD lodsw
  ['2f7cfc546ab1a42dbd974a7bfcb77d524a4362cf', STRING_OVERRUN], // AD lodsw
  ['133a9b5134cd67ef014784479896aba572a603a8', STRING_OVERRUN], // AD lodsw
  ['adc3445b7bed179bda136941b3a4b7d7430bfba0', STRING_OVERRUN], // AF scasw
  ['ed3b0637ed6da2b081d0d58b683867d1a16ecb30', STRING_OVERRUN], // AF scasw
  ['0f112437cb057fcd33863bf50cba5469a63e5b80', STRING_OVERRUN], // AF scasw
  ['f5c8f1014f6d85dd08d6a2aadc7fa04dd17c94c2', LENGTH_LIMIT], // 81.0 add word [si+1DDFh],7693h
  ['e3e0123b16a16d3301eac20f5d206fc28f7a6f5f', LENGTH_LIMIT], // 81.1 or word [si+1DDFh],7693h
  ['025d2b0f5f65a5eba94c87b765c3c618e4503069', LENGTH_LIMIT], // 81.2 adc word [si+1DDFh],7693h
  ['3668fd6dd7102672fd0f86008ce0decbd6cd1b05', LENGTH_LIMIT], // 81.3 sbb word [si+1DDFh],7693h
  ['715e261e3bcd9ddb8bc49acb4e9b97f88bcd5943', LENGTH_LIMIT], // 81.4 and word [si+1DDFh],7693h
  ['19e9e6d2b5452d43b270abbbbc73e56766b45a5a', LENGTH_LIMIT], // 81.5 sub word [si+1DDFh],7693h
  ['03547cec47614f7c14c4686ce4396dd538d67df8', LENGTH_LIMIT], // 81.6 xor word [si+1DDFh],7693h
  ['881057374d091731ffc43bdb7ff5e5f759f52f4e', LENGTH_LIMIT], // 81.7 cmp word [si+1DDFh],7693h
  ['0347c38f60253cfffab658ce35c7ce6c14938a3a', LENGTH_LIMIT], // F7.0 test word [es:bp+di-8BCh],57F9h
  ['e73f571027d5ef61e1f6a41fef83fc3882882697', LENGTH_LIMIT], // F7.1 test word [es:bp+di-8BCh],57F9h
  ['f46a3388f83dea79634e24852af5b40064487b23', FS_GS], // 8C mov [bp+si-298h],fs
  ['afa12ec3340af4d0d74a47579b432e47dd50d49d', FS_GS], // 8C mov [bx+di+519Bh],fs
  ['7216705da1beff3ff71173fa5f822c8501d2eac6', FS_GS], // 8C mov [ss:di+37h],gs
  ['907b360bee2f9c4b51c5c7c005267a197ba6d104', FS_GS], // 8E mov fs,[bp+si-298h]
  ['15650fd19e3fda75302855d0d9288f679028b4d8', FS_GS], // 8E mov fs,[bx+di+519Bh]
];

export const EXCLUDED = new Map(EXCLUSIONS);
