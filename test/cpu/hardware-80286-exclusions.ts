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

/** LOCK on an instruction that cannot be locked (not a read-modify-write of memory): the
 * 80286 ignores the prefix, the 386 raises #UD (SDM vol. 2, LOCK; test386.asm POST 12,
 * checked on real 386 hardware). */
const LOCK_UD = '286 ignores LOCK on an instruction that cannot be locked; the 386 raises #UD';

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

  ['52d112c0956a264cc474500ea75b809425ce29d2', LOCK_UD], // 02 lock add bh,[bp+si-6Fh]
  ['cb47b4b126bee0099fc3bd03674486c754af1d0a', LOCK_UD], // 02 lock add bh,[cs:bp+di-14h]
  ['6a844e8e4d277a55a251a6809434a444b20f77d4', LOCK_UD], // 02 lock add ch,[bp+di-6Ch]
  ['e3c75f1ffaec55d4d4b468f18c48c91ee66937c0', LOCK_UD], // 03 lock add di,[bp+si-6Fh]
  ['8f68475841dbe22449bc34c9522664e0e0c19dd8', LOCK_UD], // 03 lock add di,[cs:bp+di-14h]
  ['49fb8b4c9d652ed08ac813524625b51691652729', LOCK_UD], // 03 lock add bp,[bp+di-6Ch]
  ['ca9711072e1094b5c8000b0d51f708c35d5d614b', LOCK_UD], // 06 lock push es
  ['0b0555e8d280c03e879e6593f11ba96464eb62d2', LOCK_UD], // 06 lock push es
  ['3bef16e23fac039784871ff60fcd0c9329b304b5', LOCK_UD], // 06 lock push es
  ['f431f3f2da9f6e6e4bd0f9870f9cbea54fd7e65b', LOCK_UD], // 06 lock push es
  ['cde9ab50f289a2769852b0667a210becccb2bca4', LOCK_UD], // 07 lock pop es
  ['55a53ba4faca3bca6642e4d7b68d312826211320', LOCK_UD], // 07 lock pop es
  ['40625c74039432cf218829597ca0be9275293181', LOCK_UD], // 07 lock pop es
  ['01b6f51cc8764510ef5fc8f1aed04dd4a2cfdf9e', LOCK_UD], // 07 lock pop es
  ['25884503ffc6b260c8980820742181f082780903', LOCK_UD], // 0A lock or bh,[bp+si-6Fh]
  ['746915d94e093e2023fd4e5a0b5381977e7b98a7', LOCK_UD], // 0A lock or bh,[cs:bp+di-14h]
  ['46628e8299d3a08e34f5ea40e95169dfd664b981', LOCK_UD], // 0A lock or ch,[bp+di-6Ch]
  ['111c2393079f1837b3792abef2add44e002e288e', LOCK_UD], // 0A lock or bl,[bp+si-7Ch]
  ['65568dbb1e4b9cb148fd2674ff8ccce14b0dd491', LOCK_UD], // 0B lock or di,[bp+si-6Fh]
  ['3951f4a7a32e2f8878f6737bbd581a01fb0a837c', LOCK_UD], // 0B lock or di,[cs:bp+di-14h]
  ['1de01b1b4fc459efc01a1d82be9d6392d0f64c83', LOCK_UD], // 0B lock or bp,[bp+di-6Ch]
  ['4a3466392399bbaaffe004061d4d932b710019f4', LOCK_UD], // 0B lock or bx,[bp+si-7Ch]
  ['af64646a37c358b81222fe5295f31fa75c8d4de0', LOCK_UD], // 0E lock push cs
  ['bd027832a9a1eed522906d20cf78f4f337045e63', LOCK_UD], // 0E lock push cs
  ['10bb982c979bd81ab6d53945efc607a6681836f9', LOCK_UD], // 0E lock push cs
  ['826414eafd6cde31f89352ca2a34b4283b681534', LOCK_UD], // 0E lock push cs
  ['29740258864cd93a1dfb8b510b1cc51bbeb09086', LOCK_UD], // 0E lock push cs
  ['c26a73bc19d37e7f6d3917f55e5958e05087b10e', LOCK_UD], // 12 lock adc bl,[bp+si-7Ch]
  ['de8d3183e4ad331f9d80a455ac68fa61c0078f52', LOCK_UD], // 12 lock adc bl,[bp-2Eh]
  ['4093fa167737b64432756cc2e985648e53004453', LOCK_UD], // 13 lock adc bx,[bp+si-7Ch]
  ['ede781b8a0c0052c460ec9f0b92374ec87b15898', LOCK_UD], // 13 lock adc bx,[bp-2Eh]
  ['9ec4e8ab5daa0e7c3cf69efb111bf32862dffd43', LOCK_UD], // 16 lock push ss
  ['fb8d8bef4ff74434f6629ec3070d9d449b882000', LOCK_UD], // 17 lock pop ss
  ['bc687fd68ca668becbc710c109e93d65b68f3e1e', LOCK_UD], // 1A lock sbb bl,[bp+si-7Ch]
  ['8b3998492b8479237c5e0a912438c4cbffcb2ce1', LOCK_UD], // 1A lock sbb bl,[bp-2Eh]
  ['f5ecaaae11c50ea1e1cb98c1378b894aa9d70d13', LOCK_UD], // 1B lock sbb bx,[bp+si-7Ch]
  ['dea7ae5075c359078d03f25be2c2f801caceaa0a', LOCK_UD], // 1B lock sbb bx,[bp-2Eh]
  ['71b855647062eecd311eab1b963ab3aa938b238c', LOCK_UD], // 1B lock sbb di,[bp+si-6Fh]
  ['8608a8d68f4a869e11e00f028acb64e389a17032', LOCK_UD], // 1E lock push ds
  ['79aeab44e5cf6ab2015b32d363e60220bc107e9e', LOCK_UD], // 1E lock push ds
  ['3b9844abd185980d7bd6009fcfc94bb9c3c0568e', LOCK_UD], // 1F lock pop ds
  ['f61abf5adebba3486958ffb635b4addecb50b46d', LOCK_UD], // 1F lock pop ds
  ['2afc440eb2687d510bead6ad372b8b0bd3937473', LOCK_UD], // 20 lock and ah,ch
  ['d0b513f1af47bdca9c8e20f68afa9531423fc366', LOCK_UD], // 21 lock and sp,bp
  ['1281276524ca254d0f0a09bf323d36fa56375a19', LOCK_UD], // 22 lock and dh,[di+5Ch]
  ['3e22620141d75b946035d53ccdd128e4d8655fed', LOCK_UD], // 22 lock and ch,ah
  ['ee392a42b8a65f01934ebf7361c3bab52c87c752', LOCK_UD], // 23 lock and si,[di+5Ch]
  ['08069f0dc1963771f90f56759243b562ff5edc03', LOCK_UD], // 23 lock and bp,sp
  ['d5b72801beefd31739dc22ce0f1863debd5c3170', LOCK_UD], // 28 lock sub ah,ch
  ['9adb0b4bc4317cab87cd8e7f3ff0f557ee327fae', LOCK_UD], // 29 lock sub sp,bp
  ['165afc4fdea60064ca3b8a60d3fd13719c02ed7d', LOCK_UD], // 2A lock sub dh,[di+5Ch]
  ['671d66c59ff5f923cb88f737b9693544cccc4699', LOCK_UD], // 2A lock sub ch,ah
  ['993e4f016236d15a348507b774c2afb3c6d4df9e', LOCK_UD], // 2A lock sub al,[bp-1927h]
  ['4a72777bd94a322e4052391e43bbc4dabc4ca736', LOCK_UD], // 2B lock sub si,[di+5Ch]
  ['54ae1232246996607cb1d6811ac1265c545f8615', LOCK_UD], // 2B lock sub bp,sp
  ['b79d7437c0aa9fc20004fb71c539aced6121ad5c', LOCK_UD], // 2B lock sub di,[bp+di+4Ah]
  ['9bb068f89b4298ce6e43c7d127c73b940f6597df', LOCK_UD], // 30 lock xor cl,ah
  ['cbe5ca7702b0a6d8ecdac2f4356ff949030e7471', LOCK_UD], // 31 lock xor cx,sp
  ['a5095d4d4304166a1427804898612baa2a25d727', LOCK_UD], // 32 lock xor ah,[527h]
  ['be58a2aa180fbea98f49c169cbf7aee9adccb613', LOCK_UD], // 32 lock xor dl,[bx-45h]
  ['d195ca7818cb1cbc1fddf69818850b63e3abf508', LOCK_UD], // 32 lock xor dh,[bp+di]
  ['cd51767ee884dca24f73b5ed24b8550f9d1674eb', LOCK_UD], // 32 lock xor al,[bp-1927h]
  ['fd9d49de5d493cc1acb4253e0abe4909c534b79b', LOCK_UD], // 32 lock xor bh,[bp+di+4Ah]
  ['e58481bc8758f035da55ff1f9392c5b9c9897406', LOCK_UD], // 32 lock xor dh,[bx+si+32h]
  ['d3caaa156998752263b7beafbab1b5e3167ec618', LOCK_UD], // 32 lock xor ah,cl
  ['25775c99a7c239b2d54a6491f1176b2f0dea6ab3', LOCK_UD], // 32 lock xor dh,[bp+si]
  ['bdf556fac36c03279613d02717e92608f862f5a7', LOCK_UD], // 33 lock xor sp,[527h]
  ['5101f492e08f0ecd44c2754f049f295b7e96e823', LOCK_UD], // 33 lock xor si,[bp+di]
  ['3d6158123a8b75f83a7b583b3c67d60a98083952', LOCK_UD], // 33 lock xor dx,[bx-45h]
  ['14afa90b3833f0e68f56ed22220116715a07311e', LOCK_UD], // 33 lock xor di,[bp+di+4Ah]
  ['3bf2445f5b3ab4ee21d407ba34d54f2a78887ce4', LOCK_UD], // 33 lock xor ax,[bp-1927h]
  ['f562a052446109f332bc432805ac7d0cfcd582ce', LOCK_UD], // 33 lock xor si,[bx+si+32h]
  ['99f8855ac724abc0f3b78022a446b1611e54a5d6', LOCK_UD], // 33 lock xor si,[bp+si]
  ['6c475f3f93d05eb35ee94eab8827316a1818208e', LOCK_UD], // 33 lock xor sp,cx
  ['9e4986fb2f6707b960015b39973ab1982959902a', LOCK_UD], // 38 lock cmp [bp-1927h],al
  ['f63e0cafa9835877c629199ded5258c60f031944', LOCK_UD], // 38 lock cmp [bp+di+4Ah],bh
  ['ed062f0003216932564ac972568c6277d484fd0c', LOCK_UD], // 38 lock cmp cl,ah
  ['b0f5067ce5cce44bef9d975ef1c4948373ed4fb3', LOCK_UD], // 38 lock cmp [bp+si],dh
  ['8742981f7cf7fa7af263ae018e4bb1a073c78d00', LOCK_UD], // 38 lock cmp [bx+si+32h],dh
  ['7a5b2fe89821485fd2e379baa28ae37e48e637bd', LOCK_UD], // 38 lock cmp [527h],ah
  ['fc79c49fd95a534c947dc155b1e948557c7dc348', LOCK_UD], // 38 lock cmp [bx-45h],dl
  ['13521b4220ec5571d1a6779cae3505e70faa4246', LOCK_UD], // 38 lock cmp [bp+di],dh
  ['864b5e356599cd9e3bc004c0f049792783849437', LOCK_UD], // 38 lock cmp [di+5Ch],dh
  ['38f2f2cff5cf2062c56135cc68a8d1428fce3ce9', LOCK_UD], // 39 lock cmp [bp+di+4Ah],di
  ['f3c675a33706e6190bb6f893bc5eac93097e3d19', LOCK_UD], // 39 lock cmp [bp-1927h],ax
  ['1c6755b451fc3e7577bc793752a950fe498754de', LOCK_UD], // 39 lock cmp [bp+si],si
  ['93a4b18a0c59e5348574bb709387ae7092bba8c1', LOCK_UD], // 39 lock cmp cx,sp
  ['e2d34297be2f61567d92bfc19989db019cb9e3a8', LOCK_UD], // 39 lock cmp [bx+si+32h],si
  ['f1c4c9d27401f7c03aa02975d9382fec1dfdad9c', LOCK_UD], // 39 lock cmp [527h],sp
  ['c35f44a29de7f60db3572b970e0cb41210f6000a', LOCK_UD], // 39 lock cmp [bp+di],si
  ['37b56b50a63bb8cbfc1816885b4336e9dc7c11ea', LOCK_UD], // 39 lock cmp [bx-45h],dx
  ['ca4cc6e2b5b3073a0686472040acdb5eb4297b90', LOCK_UD], // 39 lock cmp [di+5Ch],si
  ['1d401233f0c6b8bda92eccfa59a9ea4c2d8e328d', LOCK_UD], // 3A lock cmp al,[bp-1927h]
  ['6fa17b524019165cb6d67b15ef04c0539c0d3785', LOCK_UD], // 3A lock cmp bh,[bp+di+4Ah]
  ['f2c51e2cdbd48a6db7147552d6ab7da6cd6b3bea', LOCK_UD], // 3A lock cmp dh,[bx+si+32h]
  ['9dce1c54957cd5c451657f73b2dbbfdcb856eecc', LOCK_UD], // 3A lock cmp ah,cl
  ['0b83c672f1c859517a96b6a27c566bc843e11735', LOCK_UD], // 3A lock cmp dh,[bp+si]
  ['1a410c8ff14f1395186c86f0e5ca3a245c9a4a57', LOCK_UD], // 3A lock cmp ah,[527h]
  ['95a1cc9639f08406e830ab2b6eb29b748e67b3fc', LOCK_UD], // 3A lock cmp dl,[bx-45h]
  ['d45d0347f03464187912c1117e5973707136a3cf', LOCK_UD], // 3A lock cmp dh,[bp+di]
  ['8cb332c9be202ecae82b3bd66a8eb919fdf0f2d8', LOCK_UD], // 3B lock cmp di,[bp+di+4Ah]
  ['643a0306b34852edd3191321564f479467d4ce1b', LOCK_UD], // 3B lock cmp ax,[bp-1927h]
  ['167cfb5791348d2de5900c587eaa79acab449ab0', LOCK_UD], // 3B lock cmp si,[bx+si+32h]
  ['7aedc95b71e61821f8901ac45147af349476b343', LOCK_UD], // 3B lock cmp si,[bp+si]
  ['2904149bec8290a10ea3358dea85a5b7e66a7cda', LOCK_UD], // 3B lock cmp sp,cx
  ['be53e43589ffab72566535ab8e95fde989c83764', LOCK_UD], // 3B lock cmp sp,[527h]
  ['afda1c83d32be41b4a8907b96146b6928e5c41f1', LOCK_UD], // 3B lock cmp si,[bp+di]
  ['facd197270d227229092a025a1412d21a3104221', LOCK_UD], // 3B lock cmp dx,[bx-45h]
  ['9b3c2c92de32dd4ffc559ed3489f5d31d5a12cce', LOCK_UD], // 3B lock cmp si,[di+5Ch]
  ['6370986f47346ae44f4475ce4efdd7ff032032d1', LOCK_UD], // 50 lock push ax
  ['e4e47026e0c9ff90e0fec86e1f29174adad1997c', LOCK_UD], // 50 lock push ax
  ['4d226f77e3a4a241dde3f89e908d2ed0f6115e9b', LOCK_UD], // 50 lock push ax
  ['56bc2e79ca08cc8e4240d10c18b5b79535345042', LOCK_UD], // 50 lock push ax
  ['cf2c8ab267180d7491d4b827ecf692b2a9e7a21f', LOCK_UD], // 51 lock push cx
  ['8f394c0fdda18ba15a6d86f30593625020a47fae', LOCK_UD], // 51 lock push cx
  ['7931633972708ebbc2d288b3ffe6a2edd14315cf', LOCK_UD], // 51 lock push cx
  ['6fd12baa0a366b64ac294fbf6000815ac21b5d10', LOCK_UD], // 51 lock push cx
  ['2510d6066f21c14d0e8b4d95f566824f77ece7c5', LOCK_UD], // 52 lock push dx
  ['ac8ff2f482d005e9dd2f420805c344738f30bc7c', LOCK_UD], // 52 lock push dx
  ['08c3a24bbb9250bc7ed6ba7d5e40735023f7e86f', LOCK_UD], // 52 lock push dx
  ['bb39feb8387d92ee25c5659d731821fe1b98374b', LOCK_UD], // 52 lock push dx
  ['ea5c0fc2e6561a5f215bcb533b0a347b23a7d130', LOCK_UD], // 53 lock push bx
  ['2b0c67049fbeba15e1b618adf5f2d0c3dde6461a', LOCK_UD], // 53 lock push bx
  ['14090396fcc00182bf4141395774159010a85c0d', LOCK_UD], // 53 lock push bx
  ['9216ee19cbadbff3473c1894e7b9ecf89f3df54b', LOCK_UD], // 53 lock push bx
  ['29fad040d948ae1e7a6015ebb21de0771fd53042', LOCK_UD], // 54 lock push sp
  ['196ef0d9a8c74945cd48072022b534db6b6ca8ca', LOCK_UD], // 54 lock push sp
  ['af71b9b2ed22676ce3af0e6f010e2e6e0a6d834f', LOCK_UD], // 54 lock push sp
  ['d8ea17e5cdf5053c1b5189473349a5decdc73dda', LOCK_UD], // 54 lock push sp
  ['2de769a60a0e9a82b4abe9b00d8dd2279312f9b0', LOCK_UD], // 55 lock push bp
  ['90da0460428d65a6520037326f7eb88904999fed', LOCK_UD], // 55 lock push bp
  ['54de142d76017f7017902cd48d0a457622de6cb6', LOCK_UD], // 55 lock push bp
  ['5cb1018f30c95e2824cbb09838da036f1daab0d1', LOCK_UD], // 55 lock push bp
  ['001b0204a0fcc5a42f40d4e778f710bb615469ff', LOCK_UD], // 56 lock push si
  ['8d1935ad7c6bbb3ebc065ce9d5520faf6d2760c4', LOCK_UD], // 56 lock push si
  ['2c9c531fa8f02470848b630d838d90321e8f31af', LOCK_UD], // 56 lock push si
  ['30527b01ec92ca3d34c8388a6d8981b450609924', LOCK_UD], // 56 lock push si
  ['741ec5581099879a1f188fb3de4d7f8c1667c3cb', LOCK_UD], // 57 lock push di
  ['c340e91b6a4f4d01cdd239f3391c1d43aa6c419d', LOCK_UD], // 57 lock push di
  ['cbf0a867b4b9008635275b9d3eeb6f8d13e76be6', LOCK_UD], // 57 lock push di
  ['a90605a511cf5f4fcbc25f6cd2937d2480e3b700', LOCK_UD], // 57 lock push di
  ['75580597c0a2005c1ec5bc4d71cba993f7f33588', LOCK_UD], // 58 lock pop ax
  ['427e5d174c02a51854e4ebbf46b2adf4e0c10f8b', LOCK_UD], // 58 lock pop ax
  ['bcfbb335b33d9e6edc436f029150830ac95ecb0b', LOCK_UD], // 58 lock pop ax
  ['841a21e042fa9c8517676e10f612d1178a05c3fc', LOCK_UD], // 58 lock pop ax
  ['55b523afd42c167251a0ff9b797b3560da59261c', LOCK_UD], // 59 lock pop cx
  ['da480ac519bd1e053d8d0e42bdc23e3413468038', LOCK_UD], // 59 lock pop cx
  ['2c44ecfd537816051622da3c04a40a0935acfac3', LOCK_UD], // 59 lock pop cx
  ['576877a5807790965deb537ff2757f3d766723c8', LOCK_UD], // 59 lock pop cx
  ['0ce99a448f692d45b16ce63d3827accc758b2f2e', LOCK_UD], // 5A lock pop dx
  ['17cc77b56133f03eb86479cb5de0afb879b72ccf', LOCK_UD], // 5A lock pop dx
  ['0a30efed6f100f4e80bc60a463160a69183f31a3', LOCK_UD], // 5A lock pop dx
  ['f79a72d8d083bc5da1de68b71eb2bbbdc94df20c', LOCK_UD], // 5A lock pop dx
  ['6172daaa1a1ea337e356b911ea490ade8fa59b6b', LOCK_UD], // 5B lock pop bx
  ['edd3963b34a78da03d302136f05a6447b3807c28', LOCK_UD], // 5B lock pop bx
  ['14b94fce5f61061f1fc707ccd2f7360a203a24fd', LOCK_UD], // 5B lock pop bx
  ['cb83f589e05741b2660bfafbd5369563018303f5', LOCK_UD], // 5B lock pop bx
  ['86267364eb8b550918cd409d4bd6bb3b31f37a8c', LOCK_UD], // 5C lock pop sp
  ['9b70eb45c978a3eccaf8ad164e57b39af6205218', LOCK_UD], // 5C lock pop sp
  ['d04786c0700a38b65114857a6b83d774132e1d8e', LOCK_UD], // 5C lock pop sp
  ['5f5af531e90b4e5fae726c6cfa1908d8ca2a8d09', LOCK_UD], // 5C lock pop sp
  ['a251efbba9f19906698c731fed756c7896890b6a', LOCK_UD], // 5C lock pop sp
  ['e5610a65cb5090e9d9f79f7ea117dceda57e3858', LOCK_UD], // 5D lock pop bp
  ['66d410b841ec7d43b65e76618adfc4e0bb9855c3', LOCK_UD], // 5D lock pop bp
  ['93fef4759f0c4fe4aa21e63827a872dec3952ecd', LOCK_UD], // 5D lock pop bp
  ['ee7b69baae2e77c8e6f87901d62682da04660c71', LOCK_UD], // 5D lock pop bp
  ['a25dadf7c7943c957948128bedcf6be3ae5e7f3e', LOCK_UD], // 5D lock pop bp
  ['db5106de6e811f1f2b1cf16f5f1b8ad420073304', LOCK_UD], // 5E lock pop si
  ['a8842bb75648e04199100635f8e99669636825c6', LOCK_UD], // 5E lock pop si
  ['34c7547f5d9b863b21eb624eafc739fee0e5ea57', LOCK_UD], // 5E lock pop si
  ['9bac871f3e92123cf10511b9f108a0298116b093', LOCK_UD], // 5E lock pop si
  ['12f093c93544e9cd5d59f8299610ea63ad4820fe', LOCK_UD], // 5E lock pop si
  ['42ccf90e96f79634f7a22b1679fe3feae48d6b79', LOCK_UD], // 5F lock pop di
  ['91b667be448915c0e670125b05b3bd020dcd1e73', LOCK_UD], // 5F lock pop di
  ['e93be65a069aef27497a686f0253b30ccf03652a', LOCK_UD], // 5F lock pop di
  ['4885ac5d3a50be050bba16791ab38fce27607417', LOCK_UD], // 5F lock pop di
  ['290932f9c7487b77a5eb63c51738fc4a9fbd1dd8', LOCK_UD], // 60 lock pusha
  ['2f83d299c412f73fcf9dafc0da0d23cd03338053', LOCK_UD], // 60 lock pusha
  ['373e23c54cb0386e80cf1994e617aaecff96e284', LOCK_UD], // 61 lock popa
  ['70c236d842ec206324df1ebf0d926f83e9ba6a50', LOCK_UD], // 61 lock popa
  ['9eb193ce7ece09aaa6d0c7aed6fc6bec671dfbfb', LOCK_UD], // 62 lock bound bp,[bp+di]
  ['4fffed91cd7f8d0b2cc8f42dd5caf79414a0a8ac', LOCK_UD], // 62 lock bound sp,[bp-7Ch]
  ['bf144dc8f36106aea7f4ecac4e6e2579d8614c59', LOCK_UD], // 68 lock push 8466h
  ['7bf5b6d31f974f5138e76d6392e69c95dce801fd', LOCK_UD], // 68 lock push 181Dh
  ['4526c1f22be90d64ac22f05437dd06701bbcfa58', LOCK_UD], // 68 lock push 4195h
  ['08d251d7549713e627e9726f7e734c3fe3c7c899', LOCK_UD], // 69 lock imul sp,[bp-7Ch],3A36h
  ['16f12b5fa2241190c5dd7afcd4cda11e9217405d', LOCK_UD], // 69 lock imul bp,[bp+di],85E6h
  ['042d75b904577ff65c9005778ccea3351febcea8', LOCK_UD], // 69 lock imul bx,[di],6A18h
  ['f3311d9541784011152ccb6c42695b42b87e21f8', LOCK_UD], // 69 lock imul cx,[bp-1073h],5E38h
  ['ad64bf02f05ca14e0769fe238b800cfde2511a5b', LOCK_UD], // 6A lock push 66h
  ['001db2fa8d6dad7256ecacb328096db69db50730', LOCK_UD], // 6A lock push 0FF95h
  ['25e71a0692984b9b41ce0316597b99608f1a2a67', LOCK_UD], // 6A lock push 0FF8Eh
  ['113356410f2da0bdffbd44f6c8ef5957e66a3031', LOCK_UD], // 6B lock imul sp,[bp-7Ch],36h
  ['e439cbc1484f2131ec50544ae7aea3b184647b78', LOCK_UD], // 6B lock imul bp,[bp+di],0FFE6h
  ['71060bb5fc458d8d2f3c871d7118bf1f33d5ce5f', LOCK_UD], // 6B lock imul cx,[bp-1073h],38h
  ['01674dfb36bb1b0435baa805862a4471156afa11', LOCK_UD], // 6B lock imul dx,[di+3041h],0FFECh
  ['1980a818544bfe05724c4ee3b216d7dc38d000f2', LOCK_UD], // 6C lock insb
  ['74fd9668ca5a8421df86cb7a7cf8ff5c11c1430b', LOCK_UD], // 6D lock insw
  ['30d81ef237da07e64bc539b388e11a4baeebafc1', LOCK_UD], // 6E lock outsb
  ['f2f6ee7e991b5868ccaa6a9ce7c80ef8996f4fba', LOCK_UD], // 6F lock outsw
  ['5da7674a3b4a1089a0667febf9dc09b30f7c99fe', LOCK_UD], // 80.0 lock add al,0Fh
  ['c2fd618b1f0b888c740160d252bf65822377fef0', LOCK_UD], // 80.0 lock add bl,3
  ['27cc6ed7a900d63981a8b625b208f34820946ee2', LOCK_UD], // 80.1 lock or al,0Fh
  ['ee452516f8ba7ff5b0997db37f252118675a75cb', LOCK_UD], // 80.1 lock or bl,3
  ['f8197f60eb71f91ba427fc5f431a702ac40ad374', LOCK_UD], // 80.2 lock adc al,0Fh
  ['a848faf7fd6107ba259861b32e383f995e14f017', LOCK_UD], // 80.2 lock adc bl,3
  ['662802951a4cedc29ee9b4edec149be0d6e4b524', LOCK_UD], // 80.3 lock sbb al,0Fh
  ['fdee7f50a734b6be983572b798f83d9a46c7ad85', LOCK_UD], // 80.3 lock sbb bl,3
  ['aa7b72b847b3bd5fe4256226de2f26a712a8ba64', LOCK_UD], // 80.4 lock and al,0Fh
  ['0f87495e544218f0cf9315265ac68e150a12e000', LOCK_UD], // 80.4 lock and bl,3
  ['7917906df2db72a9766198318afb19172e961acf', LOCK_UD], // 80.5 lock sub al,0Fh
  ['f66b98d600bb88ded29dacec80346e578c97de70', LOCK_UD], // 80.5 lock sub bl,3
  ['ae51397457699e5c6d0bbaecaf61cd21d2571e66', LOCK_UD], // 80.6 lock xor al,0Fh
  ['cb19999660840a0dd756cf15f134860fe6d26674', LOCK_UD], // 80.6 lock xor bl,3
  ['7f3bf5ba05b44d92a226d3f01a5b2fe6ef9c36e7', LOCK_UD], // 80.7 lock cmp al,0Fh
  ['acf71c483a2c7f8d4c570331fcd1a5b7cb218298', LOCK_UD], // 80.7 lock cmp bl,3
  ['850cc55b78fdfee45b296ae5f9176acd39fcba1a', LOCK_UD], // 81.0 lock add ax,260Fh
  ['b3ba700703c7c4dd6b6ee66199fbbbd640775f7f', LOCK_UD], // 81.0 lock add bx,0BD03h
  ['1bccfd8f8897f048d123a6f9a475f3723568a2fe', LOCK_UD], // 81.1 lock or ax,260Fh
  ['53c2ed2610e5775fedc1c280e507e0e05670c1eb', LOCK_UD], // 81.1 lock or bx,0BD03h
  ['8f1b6ccd9d6aad2eec4ba6d8b10bd651cba3b1b1', LOCK_UD], // 81.2 lock adc ax,260Fh
  ['c42200496536f524abc8ce9b8e8214560ab75d05', LOCK_UD], // 81.2 lock adc bx,0BD03h
  ['4671b3624bd2092729028f8b54bd2dd85a7ee3a3', LOCK_UD], // 81.3 lock sbb ax,260Fh
  ['595c48d5bd49233ecccc1cf46b69783a580f0d5b', LOCK_UD], // 81.3 lock sbb bx,0BD03h
  ['0de4766c540f2db31455ecc47857a42831379dcb', LOCK_UD], // 81.4 lock and ax,260Fh
  ['7a358053e90d6ba850b92c5852c76d3e2ecba85f', LOCK_UD], // 81.4 lock and bx,0BD03h
  ['78e8efc18120458a466ff17aa502236cddd0fff8', LOCK_UD], // 81.5 lock sub ax,260Fh
  ['bc749d7086e638a720b4f80bc0d57aefbf25cd03', LOCK_UD], // 81.5 lock sub bx,0BD03h
  ['fe5a5fcb719c5d90e84a558118c173f0ce643b29', LOCK_UD], // 81.6 lock xor ax,260Fh
  ['4a27bdc79b6f0f00ef80a03e1866cbcb3aebb357', LOCK_UD], // 81.6 lock xor bx,0BD03h
  ['486556878a32a1cde78f0384928506a63855dab1', LOCK_UD], // 81.7 lock cmp ax,260Fh
  ['141a0e2e76b5e104650dd6d4ace8344d340d7ef9', LOCK_UD], // 81.7 lock cmp bx,0BD03h
  ['bc64770de939365c6b95f48ca4c95b9d7a19202d', LOCK_UD], // 81.7 lock cmp word [es:bx+di+45h],8245h
  ['f7d9372e46d64c901aa57bd71ede42624b705b76', LOCK_UD], // 82.0 lock add al,0Fh
  ['d2f59cfde0a7bbb4f3ee334e1da6a64570f44c52', LOCK_UD], // 82.0 lock add bl,3
  ['dea65daf21629fb181534861498e2ef1ab2ba16d', LOCK_UD], // 82.1 lock or al,0Fh
  ['b9523169b4ef74c07b46214a5dbab1617c418ee1', LOCK_UD], // 82.1 lock or bl,3
  ['31ab1f649da5c645f869522e81fd2c9ee1ef81a7', LOCK_UD], // 82.2 lock adc al,0Fh
  ['0862fcea7ebb7592f4597fab604846e6e536fa92', LOCK_UD], // 82.2 lock adc bl,3
  ['dbf7694ae18dafb9ec185f6555132b691dad6c13', LOCK_UD], // 82.3 lock sbb al,0Fh
  ['754c113b74cdf7c23827302da0b2d71fb6c229c9', LOCK_UD], // 82.3 lock sbb bl,3
  ['4a2545b14685907666b3ebca14bce71660ac57b9', LOCK_UD], // 82.4 lock and al,0Fh
  ['d87540f9c37fdec8dbc44de2c0c5dedfcc2b0043', LOCK_UD], // 82.4 lock and bl,3
  ['e19ac4b1f5de22d915dbf2152ccc2b86eff3f9c6', LOCK_UD], // 82.5 lock sub al,0Fh
  ['e16f8aa365a340bb798f3e5cecaa6d295aabc542', LOCK_UD], // 82.5 lock sub bl,3
  ['fab6a81cd1741806bb86923e74957168d66331b2', LOCK_UD], // 82.6 lock xor al,0Fh
  ['c2d054a1961a207a92795871c00284196774f088', LOCK_UD], // 82.6 lock xor bl,3
  ['237f401472a5b28a82aa5062ef77ab93267f3ee0', LOCK_UD], // 82.7 lock cmp al,0Fh
  ['5dfaedb3546353e07a290e2560387e770b3911c7', LOCK_UD], // 82.7 lock cmp bl,3
  ['818f578a1669ed14c883d31fa9a1158e4541ebe9', LOCK_UD], // 82.7 lock cmp byte [es:bx+di+45h],45h
  ['8e1229d28a1d1879b7978cdfbc6569d805ed844d', LOCK_UD], // 83.0 lock add ax,0Fh
  ['b71c5a2a3a67168ef1aab3c7fac0670850b1f7a4', LOCK_UD], // 83.0 lock add bx,3
  ['b6cb12d71883fc30b711bb648e19a4c258a3d69f', LOCK_UD], // 83.1 lock or ax,0Fh
  ['1bca3cb7cc9588cb5a6d061638c31f78614a1f06', LOCK_UD], // 83.1 lock or bx,3
  ['7a5e594e1f688f2c5a2ff8a4dfdc076f13a2c93c', LOCK_UD], // 83.2 lock adc ax,0Fh
  ['b6162caccd7b1f100080ec2f146bcf18254a5455', LOCK_UD], // 83.2 lock adc bx,3
  ['733144ea3ff65d9da178767faf75ea995c19aa4d', LOCK_UD], // 83.3 lock sbb ax,0Fh
  ['3c4749e7fb52d90b524193febd437edd34b1641f', LOCK_UD], // 83.3 lock sbb bx,3
  ['ae4d91f2cc404f7fbd5d403d6ea453fe7bdebd5b', LOCK_UD], // 83.4 lock and ax,0Fh
  ['5865a4e8b55c8a05d6d33383d57df4dbf9d18179', LOCK_UD], // 83.4 lock and bx,3
  ['8d6cdf9862bf8031c52deff6f41354cb0da42a5f', LOCK_UD], // 83.5 lock sub ax,0Fh
  ['435eb4f0c0b0e2f2dbac535f7a465fe11379b141', LOCK_UD], // 83.5 lock sub bx,3
  ['4f58f5bd67de10daaf043e18d611b3756847f2bd', LOCK_UD], // 83.6 lock xor ax,0Fh
  ['dfa5184f519e6d76a894fe126706483157e721d2', LOCK_UD], // 83.6 lock xor bx,3
  ['dfaa66b6e4d71b22cde303ae2bb0bbcca4d95af2', LOCK_UD], // 83.7 lock cmp ax,0Fh
  ['aa63ddc99e022a7f5221a98e11cf673ca58c87dd', LOCK_UD], // 83.7 lock cmp bx,3
  ['d4a831bfe74e33360228de4780f64258ba03e8f8', LOCK_UD], // 83.7 lock cmp word [es:bx+di+45h],45h
  ['2547787caf1bd74b7e3cddf07a2c0e1992f49840', LOCK_UD], // 84 lock test al,cl
  ['f44ebbde5b538f799d954eaaf7d06eb89e29b2af', LOCK_UD], // 84 lock test bl,dl
  ['f2ff0e4a69ee9a2b15b3aa0b92b3f9cc4a6e3763', LOCK_UD], // 85 lock test ax,cx
  ['b7c207ce16991ed3d93b9b7b76882ad5412c7782', LOCK_UD], // 85 lock test bx,dx
  ['dbc3851fd6dfdec2c54b8e5251e5b9656c874545', LOCK_UD], // 86 lock xchg cl,al
  ['fcda24cce79485209c3076f0a864aeef74658d94', LOCK_UD], // 86 lock xchg dl,bl
  ['8f1c9a6c6695f472623c5696a7023c263a19a19b', LOCK_UD], // 88 lock mov bl,dl
  ['30a34239a6e381fec285d94e8c04ffe3eb3224dd', LOCK_UD], // 88 lock mov al,cl
  ['06cd4c0226bc15f84ecbd0396155657b3bdc88e9', LOCK_UD], // 88 lock mov [bx+di+53h],bh
  ['fe1c5c8ce9776a32695c7b3c50403821cc199736', LOCK_UD], // 88 lock mov [bp-40h],bl
  ['bd1a8bdd6c9956b087f3c703644ee179f68d9742', LOCK_UD], // 88 lock mov [bx+si],dl
  ['1d6aec97c484590f8a57c108f53d423a7840d2b2', LOCK_UD], // 89 lock mov bx,dx
  ['9d9342260696592e0b7f0f57cc85412771d4e0d7', LOCK_UD], // 89 lock mov [bx+di+53h],di
  ['2201a63f98fc060b322b32a8591134ea7abe1ca8', LOCK_UD], // 89 lock mov [bp-40h],bx
  ['5cc36152c6944e8051250ac92a12b1f37031f212', LOCK_UD], // 8A lock mov dl,bl
  ['01a1642a2e3bbaf97ceef9e09b1fd53e97d85ca6', LOCK_UD], // 8A lock mov cl,al
  ['6f4ba55275af059dd7a1e81ea6d4a1703d756067', LOCK_UD], // 8A lock mov dl,[bx+si]
  ['0d2258e4db38037bcf3f8840d13ab4796dbf5e32', LOCK_UD], // 8A lock mov bh,[bx+di+53h]
  ['a08522156782873debeace67b9357ecd283c4bc2', LOCK_UD], // 8A lock mov bl,[bp-40h]
  ['232132676873166806b7ae957ceaec43375a3cbf', LOCK_UD], // 8B lock mov cx,ax
  ['ebe41e2dcd20b6132fa747b06db42258d2600f79', LOCK_UD], // 8B lock mov dx,[bx+si]
  ['6c09c8f8d7945db2285374bbc5fbb822ad7b1a6a', LOCK_UD], // 8C lock mov [bx+53h],ds
  ['e846b89ac43cc50ab21faec29fa436c59a8116cb', LOCK_UD], // 8C lock mov [si-66h],cs
  ['08179d945302608c74f4964751cbeee286ebe31e', LOCK_UD], // 8D lock lea bp,[di-42h]
  ['6ae9c5b62f90e9398d3d6b1839a6cdc98749c082', LOCK_UD], // 8E lock mov ds,[bx+53h]
  ['19a8dd0c3d21e4a5fe1a4e30b6816a215782c0ed', LOCK_UD], // 8F lock pop word [bp+si+1F9Eh]
  ['3f5c354bf2f8f667e641c48f5a5898ff6da7cc3a', LOCK_UD], // 8F lock pop word [bx+53h]
  ['c460d8c55a75b9e3dd64a904d8add8c30fa67a0d', LOCK_UD], // 8F lock pop word [bx+di+6801h]
  ['f9555b4223e0960cae6a8e4d35653f2f6cd4fb6b', LOCK_UD], // 8F lock pop word [si-66h]
  ['47fa71401309b25280b4ae82ecd344be715d98ad', LOCK_UD], // 9A lock call 934Ah:9410h
  ['8ddf1eae43e89ad20ec4d34963ddf01838b4fc53', LOCK_UD], // 9A lock call 5FD4h:5379h
  ['0f1a6b0babf5c798fba4a047c13f7e9b4606cca7', LOCK_UD], // 9A lock call 5847h:0C05Eh
  ['f5e409fc8e6d855baa1e85fed91a0fe32f81d7c8', LOCK_UD], // 9A lock call 7569h:0B036h
  ['db7c4af65e58cd96d7d6fd47fa846d6e0c79d8c1', LOCK_UD], // 9A lock call 010Eh:0C313h
  ['4c5c966b293bae63f8fa279a0c27432c0300f95a', LOCK_UD], // 9A lock call 0FA67h:0BE6Dh
  ['b54ba8ac391d304d90ab2fa221ac109fd1f02db7', LOCK_UD], // 9A lock call 8245h:4579h
  ['3a592f490171884aa7da702b8ccad99f544c6c58', LOCK_UD], // 9A lock call 5031h:7C08h
  ['7c345108d2beab54282eeb32fc6bf75ae514e771', LOCK_UD], // 9A lock call 0FC01h:8428h
  ['f4c9550d3e688f2ca7bc70f7f81e6a6f5c933205', LOCK_UD], // 9C lock pushf
  ['8457fafc48554f1f4c94f7b937c3928afb52550e', LOCK_UD], // 9C lock pushf
  ['58955d7b0044380fa7f9b4932280f01a439e1b74', LOCK_UD], // 9C lock pushf
  ['8fd3c896784f64afe7c2038980775eb612cc6f49', LOCK_UD], // 9C lock pushf
  ['5798ca06eac75632f73a97b8d4bef196fc69b5a9', LOCK_UD], // 9C lock pushf
  ['664bbcd6d9ce839d2917479d6e019836052c951d', LOCK_UD], // 9D lock popf
  ['b9851e4a38ba41771f558fab4d29e7fd8fb53701', LOCK_UD], // 9D lock popf
  ['6c33ffb6c1657cb2a9d8430be80f7608500c5231', LOCK_UD], // 9D lock popf
  ['7bd884cab74f167799056ed9d1f14890c1c74f60', LOCK_UD], // 9D lock popf
  ['b8fc829e4ff9f1a866042a41eedc667c499bc4b9', LOCK_UD], // 9D lock popf
  ['9717fa2d3e7a139a6a76c0b5824f60af0226c059', LOCK_UD], // A0 lock mov al,[0F687h]
  ['960a640451bb7dd483a5a60cbacedfe71d9058bf', LOCK_UD], // A0 lock mov al,[4AE7h]
  ['f982baffc4108f7fdf5aeac147069b9c6414946b', LOCK_UD], // A0 lock mov al,[cs:12EAh]
  ['ce026b438f34c714dc952517ffd406f91c2fca5d', LOCK_UD], // A0 lock mov al,[0AC9Ah]
  ['a9bd67a726cf40857edcd76f0eb26c2af632be10', LOCK_UD], // A1 lock mov ax,[0F687h]
  ['4a48305c2964b0e0e9be932c7482f6517652baaa', LOCK_UD], // A1 lock mov ax,[4AE7h]
  ['7c62fb2b2e9c4c5a1808c9e488f6c667ac455137', LOCK_UD], // A1 lock mov ax,[cs:12EAh]
  ['874badf13541fb2e231f1200b79591d0763414d3', LOCK_UD], // A1 lock mov ax,[0AC9Ah]
  ['1395780d7fede4d06b8b1724e36d1fe9d6b3a49b', LOCK_UD], // A1 lock mov ax,[0B647h]
  ['856d5ddc1b8ed428575da9331fc0457b0dc5c0d3', LOCK_UD], // A2 lock mov [0F687h],al
  ['c4d22947b86466fbb1440e6b91aa225fb31e444c', LOCK_UD], // A2 lock mov [cs:12EAh],al
  ['b397cf9eefeef4a5b27e3da3446c1b8a77320efd', LOCK_UD], // A2 lock mov [4AE7h],al
  ['798b8391699b3fc50950b4388369dbd9e5e7ae6b', LOCK_UD], // A2 lock mov [0AC9Ah],al
  ['b3bbee301d6b590c4b975134209d7b3ec2038080', LOCK_UD], // A2 lock mov [0B647h],al
  ['ad6707823106f1ee5720cab59c04d5ac3da0e0ff', LOCK_UD], // A3 lock mov [0F687h],ax
  ['04618efe3903dbeabc831e81c292cb4ed976fdfa', LOCK_UD], // A3 lock mov [cs:12EAh],ax
  ['beaf860d0ab670a1f1f2b7329f1d9570c5d0e683', LOCK_UD], // A3 lock mov [4AE7h],ax
  ['c7c45af789b8ed8b6569b79ead8b1cdc1d724f6b', LOCK_UD], // A3 lock mov [0AC9Ah],ax
  ['19ca8232449e8f82cb6a23df948c5043ab71e052', LOCK_UD], // A3 lock mov [0B647h],ax
  ['ae393c455d5ccbce99bef55dd84ebbd8eeff2da1', LOCK_UD], // A4 cs lock movsb
  ['2c0f45cb4afadf9d66ddf3491f05501d602cef89', LOCK_UD], // A5 cs lock movsw
  ['e731996f465461d3e88cfc8902c932542a2977a1', LOCK_UD], // A6 cs lock cmpsb
  ['5457b3de99502797f02632cba8500b95799db208', LOCK_UD], // A7 cs lock cmpsw
  ['e1bea2e85fb3b07ba140b946969c2e4fb5dd9042', LOCK_UD], // AA lock stosb
  ['fc51da17e3e09f52cf433f0c9bbde2bb0fa03546', LOCK_UD], // AB lock stosw
  ['5868bfa0bf90bb02bf863bda14650dd73a803c63', LOCK_UD], // AC cs lock lodsb
  ['1ce507b71548d72fed5b4a84046945c2cb6ad79a', LOCK_UD], // AD cs lock lodsw
  ['2e0aa12b5090dcfea540ab5f8ae499680fe9e24b', LOCK_UD], // AD lock lodsw
  ['d24deee3e137f4a060c01aac7b80f2a3d46ba893', LOCK_UD], // AE lock scasb
  ['497d93cabd1d53d150befcd1a010edf90d093826', LOCK_UD], // AE lock scasb
  ['f89fa2521358956068fd62b90118df90aa9f03fe', LOCK_UD], // AE lock scasb
  ['c38c4f88de63b8fd3b1f3e2da6b878299793ac50', LOCK_UD], // AF lock scasw
  ['6f203db9ae73da5ca3d04e28ada0f79eec4b9dba', LOCK_UD], // AF lock scasw
  ['62c0048e98821a1efb968bbd8e8288790bcb483d', LOCK_UD], // AF lock scasw
  ['10f88425326d5ddf070742c8c90fd643fd079c7d', LOCK_UD], // C0.0 lock rol bl,0B0h
  ['8ceb9dc4e91c295fbdce45637d0e7b863fa3b816', LOCK_UD], // C0.0 lock rol byte [bx+78h],67h
  ['2d261116873b72b738c3e5a54cc4ff1dc950f937', LOCK_UD], // C0.0 lock rol byte [si+6Fh],0CBh
  ['5a633c1854050007daed57a6e751d12ac57fc61b', LOCK_UD], // C0.0 lock rol ch,94h
  ['e0fb098959ca68041552f9744be276d4103095d9', LOCK_UD], // C0.0 lock rol byte [bx-78h],8Bh
  ['00f4f633ce5647490b37daaf0e13d06a79cc81fd', LOCK_UD], // C0.0 lock rol byte [bp+di-75Ch],9Ah
  ['dfaa5377fa3715be0cc4845129c45b6c29f090f1', LOCK_UD], // C0.1 lock ror bl,0B0h
  ['c4a4d09548f4d81d2916442d7c1b9caed013156e', LOCK_UD], // C0.1 lock ror byte [bx+78h],67h
  ['780cd8fbfeb62d9115a37fbaf703ca608b4285b0', LOCK_UD], // C0.1 lock ror byte [si+6Fh],0CBh
  ['dd6d5118d5b7a86da32ff8054310670fdd1be126', LOCK_UD], // C0.1 lock ror ch,94h
  ['5b725bf94235e1e3792fb663cb18f879bf69be59', LOCK_UD], // C0.1 lock ror byte [bx-78h],8Bh
  ['6baf9654ab59b8711871cb472ff00d8098ad726a', LOCK_UD], // C0.1 lock ror byte [bp+di-75Ch],9Ah
  ['d1e6f130ea0948553b4d574106a18f53c226614e', LOCK_UD], // C0.2 lock rcl bl,0B0h
  ['765592daaf4ecefe3efe4ba41122424adc083101', LOCK_UD], // C0.2 lock rcl byte [bx+78h],67h
  ['290430bc4ffafc4e9b5904c14cf72c3333e92a7b', LOCK_UD], // C0.2 lock rcl byte [si+6Fh],0CBh
  ['e51ea1b8e41b743858e3612af4e1a6e6e98f20bc', LOCK_UD], // C0.2 lock rcl byte [bx-78h],8Bh
  ['bde200821f6819418c8c598f09cc59636206ee60', LOCK_UD], // C0.2 lock rcl ch,94h
  ['d67bed53782f61cd0e7c820832be2777343a3be6', LOCK_UD], // C0.2 lock rcl byte [bp+di-75Ch],9Ah
  ['cf509ab8d475b702149e3b3f6cd4ee70f3e5e379', LOCK_UD], // C0.3 lock rcr bl,0B0h
  ['47496c867b7b666c5fdd542afe46f980d57e70f1', LOCK_UD], // C0.3 lock rcr byte [bx+78h],67h
  ['8a207ee1a4ed8be0ae7dfde75e04f126a45ceb77', LOCK_UD], // C0.3 lock rcr byte [si+6Fh],0CBh
  ['42e705712de8c11290b5f92eeadf70722915b4d5', LOCK_UD], // C0.3 lock rcr byte [bx-78h],8Bh
  ['86d047326c6a49aa77e689dede4ff5a9b03ecf30', LOCK_UD], // C0.3 lock rcr ch,94h
  ['18c7d6b04b9a63835c43adcf99886afc7b278943', LOCK_UD], // C0.3 lock rcr byte [bp+di-75Ch],9Ah
  ['5ebcfc022c84b3245171a922a080c9b38a387bd3', LOCK_UD], // C0.4 lock shl bl,0B0h
  ['113d35bf94f96364e36b7907c44585a2771ef5e0', LOCK_UD], // C0.4 lock shl byte [bx+78h],67h
  ['27dc8c39e46a1dda2f980289f21b6aaca825178b', LOCK_UD], // C0.4 lock shl byte [si+6Fh],0CBh
  ['fffee95c95967da9a01abfe8172bb6759c3a29dd', LOCK_UD], // C0.4 lock shl ch,94h
  ['4ba920516d2e0f91989d2c6abb0de7caa28ef676', LOCK_UD], // C0.4 lock shl byte [bx-78h],8Bh
  ['719d6ce2c83e59bf7d98efb2393f4ed53ad7f0f8', LOCK_UD], // C0.5 lock shr bl,0B0h
  ['46007119eea57a5fe44b8ba875642119863e2d9a', LOCK_UD], // C0.5 lock shr byte [bx+78h],67h
  ['95d56116d2d0c38a81f1fb90d8eb03cf027ddce6', LOCK_UD], // C0.5 lock shr byte [si+6Fh],0CBh
  ['d80acf68a43d69ea9816e678a1618b623fcc11e1', LOCK_UD], // C0.5 lock shr ch,94h
  ['076c615bc782354d39462f0a7e04e4f5c61586c3', LOCK_UD], // C0.5 lock shr byte [bx-78h],8Bh
  ['2a7536c9836292cc954d8e6a8076f7e18d9c0097', LOCK_UD], // C0.6 lock sal bl,0B0h
  ['3c86824af474d4cd27be88d4945bc3c26715e378', LOCK_UD], // C0.6 lock sal byte [bx+78h],67h
  ['1b5a9d019c282d22073c666fb199598c21d9428f', LOCK_UD], // C0.6 lock sal byte [si+6Fh],0CBh
  ['2036fd3bdaab48b8e159e721544bb4fcca7e86b3', LOCK_UD], // C0.6 lock sal byte [bx-78h],8Bh
  ['3da044979a3c4f456580118d85a7a9ad093d5b16', LOCK_UD], // C0.6 lock sal ch,94h
  ['9260b14014cc447c3fee16b83f2b1a4eb7d24c4d', LOCK_UD], // C0.6 lock sal byte [bp+di-75Ch],9Ah
  ['029e6ce81b90befc67110f6720c845c67ce62e06', LOCK_UD], // C0.7 lock sar bl,0B0h
  ['a6b94453ff6b5aa2235ad5fa576e8bf497f2ff9c', LOCK_UD], // C0.7 lock sar byte [bx+78h],67h
  ['bde74571ad6bea6afbbd530a1c302055e060824f', LOCK_UD], // C0.7 lock sar byte [si+6Fh],0CBh
  ['0e419baf085ed8d2a3b531e1f2875803c0f113e8', LOCK_UD], // C0.7 lock sar byte [bx-78h],8Bh
  ['511d660b4a29e46c802b55775efd45a1714553a9', LOCK_UD], // C0.7 lock sar ch,94h
  ['4400caf00b1442c645910c6dd06d7f82a22a1d54', LOCK_UD], // C0.7 lock sar byte [bp+di-75Ch],9Ah
  ['f55c0a9faca88225af91f59f15b8db1bbf736f56', LOCK_UD], // C1.0 lock rol word [bx+78h],67h
  ['179324fc798cd556d164421decd448ff1be7c676', LOCK_UD], // C1.0 lock rol bx,0B0h
  ['312afcaa21d728c5336da4fddc40ca9445512989', LOCK_UD], // C1.0 lock rol word [si+6Fh],0CBh
  ['cb2d114b7ab68f1af13353eb8e0b11de254afab4', LOCK_UD], // C1.0 lock rol bp,94h
  ['fa44e83469dc8affb2a24ee89c5beccf8248cc56', LOCK_UD], // C1.0 lock rol word [bx-78h],8Bh
  ['043197088f039db3b027b4945bf29c5a1bfb8ebb', LOCK_UD], // C1.1 lock ror word [bx+78h],67h
  ['5f88e974dd9134fa492523edc09656f94b1e84e6', LOCK_UD], // C1.1 lock ror bx,0B0h
  ['776eac3b5fa52ba53858c0554117bb2f44411d8d', LOCK_UD], // C1.1 lock ror word [si+6Fh],0CBh
  ['e18189fcec49005b1dbe3b0f46c9a03f446ca468', LOCK_UD], // C1.1 lock ror bp,94h
  ['04f318f50957d3e5cac167c7e21c9feddbec7c41', LOCK_UD], // C1.1 lock ror word [bx-78h],8Bh
  ['369623cf2794b7e78d17aeec769653766874fd22', LOCK_UD], // C1.1 lock ror word [bp+di-75Ch],9Ah
  ['5ff93da8ac19eba5f957ab54842c6446cbb134e0', LOCK_UD], // C1.2 lock rcl word [bx+78h],67h
  ['0369548448c1ea55c5b8431facd55c16fb924f1c', LOCK_UD], // C1.2 lock rcl bx,0B0h
  ['f7714bec849009e7d7d10863879741d2474d9eb0', LOCK_UD], // C1.2 lock rcl word [si+6Fh],0CBh
  ['2be38a24dc08d60ea2a75fb5aa41f8283e564c14', LOCK_UD], // C1.2 lock rcl word [bx-78h],8Bh
  ['d9fd6af821b04aaa646461d73dfb5e7ab18d5e65', LOCK_UD], // C1.2 lock rcl bp,94h
  ['847cf6f65ae12d9663bb770f8d13ab93a8c85887', LOCK_UD], // C1.2 lock rcl word [bp+di-75Ch],9Ah
  ['4070059ba69d13352605cef829c82f4522a964f2', LOCK_UD], // C1.3 lock rcr word [bx+78h],67h
  ['0a95643ff70b0d5778d8e8ae46f97aab8a8402fe', LOCK_UD], // C1.3 lock rcr bx,0B0h
  ['5661c98a44129805bba19e0caa96ba667a5415d5', LOCK_UD], // C1.3 lock rcr word [si+6Fh],0CBh
  ['99908c362cce194e35a118a0a67d83e2d955c126', LOCK_UD], // C1.3 lock rcr word [bx-78h],8Bh
  ['8b40ba21aa82c5197f127d4d5034f2439442c34d', LOCK_UD], // C1.3 lock rcr bp,94h
  ['a7290cde44df19ed88662189bf8b519741d8d6eb', LOCK_UD], // C1.3 lock rcr word [bp+di-75Ch],9Ah
  ['ee322806b75d928439ba9ce7a482436c9abf299e', LOCK_UD], // C1.4 lock shl word [bx+78h],67h
  ['9d5967ac8933ba4ec21adbe4692804bd6b98eabc', LOCK_UD], // C1.4 lock shl bx,0B0h
  ['64f7327021fd6a14d42f708aba34d9379a26bd09', LOCK_UD], // C1.4 lock shl word [si+6Fh],0CBh
  ['71951965bce9777c4f70579fab1ed03df57836cd', LOCK_UD], // C1.4 lock shl bp,94h
  ['a7f22788edf9aecc9414a6b382d9fbcff5c2a4ea', LOCK_UD], // C1.4 lock shl word [bx-78h],8Bh
  ['17037f229d1f928821a65048f2d848da00bff403', LOCK_UD], // C1.4 lock shl word [bp+di-75Ch],9Ah
  ['58f818ee247bebb592a9a2bc6ef2bd5ae73beb2a', LOCK_UD], // C1.5 lock shr word [bx+78h],67h
  ['c109a29017f2d26e4aa14a1c6c37e96ddf3eec8e', LOCK_UD], // C1.5 lock shr bx,0B0h
  ['5451f8555c6bcae1a7e31af0674dbb14fe63bacf', LOCK_UD], // C1.5 lock shr word [si+6Fh],0CBh
  ['89a3c22de0e3f13312ef4b873db68869ebb9fc18', LOCK_UD], // C1.5 lock shr bp,94h
  ['d0fd5faa9f8bab3feeeb88498ae75af58b8aec88', LOCK_UD], // C1.5 lock shr word [bx-78h],8Bh
  ['ced146debe15eb0a6064d3cf7484fd6ed6b637a7', LOCK_UD], // C1.5 lock shr word [bp+di-75Ch],9Ah
  ['ee3ef93d3ccd7340d1ef8c3b99b52ac9ada869c0', LOCK_UD], // C1.6 lock sal word [bx+78h],67h
  ['8e5b609797e9639cec19cc9b19edc830af70c494', LOCK_UD], // C1.6 lock sal bx,0B0h
  ['30441596fe05827d534a0b2c2cee0416d96065f6', LOCK_UD], // C1.6 lock sal word [si+6Fh],0CBh
  ['a4bb4e8b5bb1793effbcd8a9d82d2526d220e774', LOCK_UD], // C1.6 lock sal word [bx-78h],8Bh
  ['552d2dca45767711c943e600dab9d809dbb40671', LOCK_UD], // C1.6 lock sal bp,94h
  ['4810ee057fcfcb2a53d260e5bea8ef75ebf3922f', LOCK_UD], // C1.6 lock sal word [bp+di-75Ch],9Ah
  ['323da79cb4c3482c11f6764e496c4dbf64431576', LOCK_UD], // C1.7 lock sar word [bx+78h],67h
  ['4e1451bd774597d6a24bde7950f4d3f3dbc57e10', LOCK_UD], // C1.7 lock sar bx,0B0h
  ['ce9a6c99682802b328c5fdca672af84e0e10297f', LOCK_UD], // C1.7 lock sar word [si+6Fh],0CBh
  ['f1a7af9cd273fb5ca6c27f6f6a5ebf4e3e2336fe', LOCK_UD], // C1.7 lock sar word [bx-78h],8Bh
  ['71504c8137a01805f312ef92ab793af304edfafd', LOCK_UD], // C1.7 lock sar bp,94h
  ['e70b06b6c632feca0889fd8b66dbe6d9d457db94', LOCK_UD], // C1.7 lock sar word [bp+di-75Ch],9Ah
  ['07900a9cee1a54196872c8a2fe691da8ef9295f9', LOCK_UD], // C2 lock ret 786Fh
  ['8fef36d70482b345dd6edb4651dc3787be70c0bd', LOCK_UD], // C2 lock ret 94DDh
  ['78ba6db333b8c047fb24033690fc016da6ba969c', LOCK_UD], // C3 lock ret
  ['74d57dec31fe535840ecdaf294ac205fe14705ef', LOCK_UD], // C3 lock ret
  ['cde449ee96e4a70cca6ec39e3e9c59aa6e9b883d', LOCK_UD], // C3 lock ret
  ['bdd2f9b5e9aaa7fb1ff3c979c811bc50e0ae7319', LOCK_UD], // C4 lock les dx,[cs:bx+di+675Ch]
  ['c795fd104b088b0542ae552447ed8a82ad97ba38', LOCK_UD], // C4 lock les bp,[bx+78h]
  ['90bdade7a6d2d656605ca383495b80d212269418', LOCK_UD], // C4 lock les ax,[bx-78h]
  ['ab8253ea3c755824166c1b78cc11fe3d019401b6', LOCK_UD], // C4 lock les bx,[si+6Fh]
  ['b7ab334fe3ef5b63ce8560325c36da2d6c200b4d', LOCK_UD], // C5 lock lds bp,[bx+78h]
  ['ba3293f8cc3b3fc60c04ed95284671601c3fe732', LOCK_UD], // C5 lock lds ax,[bx-78h]
  ['a708431cb16be5915658cbe5b7b45341e08890df', LOCK_UD], // C5 lock lds bx,[si+6Fh]
  ['935e4a7b86cb1321f9eab16cf6a451cd34d467fb', LOCK_UD], // C5 lock lds di,[bp+si+4Eh]
  ['98b83823cb3af02e2efa76eac0e77d2dbd9623bb', LOCK_UD], // C6 lock mov byte [bp+si+10AAh],6Bh
  ['612b9c34042c357515a2d6eea1f14dc057fef682', LOCK_UD], // C6 lock mov ch,0
  ['019d4500688b06293bb6448238f0b6f77b602c00', LOCK_UD], // C6 lock mov bh,0
  ['5b30681ab453dcc31fcd3336273ff599b733aca1', LOCK_UD], // C7 lock mov word [bp+si+10AAh],0A06Bh
  ['fb755766a3a9dd0eb7bff6a915a229a9fe1b80b2', LOCK_UD], // C7 lock mov bp,0
  ['be481b756fa0665f081ce7b583d2ca32c544bb98', LOCK_UD], // C7 lock mov di,0
  ['d8f52a040364b0fa55c7d39ef505e38b19eeca3a', LOCK_UD], // C9 lock leave
  ['a6ad1a6d644454b0ab785a17d67d245ef0a5487e', LOCK_UD], // C9 lock leave
  ['4c2c7428f84d896c7512a39645023b13f673d3a9', LOCK_UD], // C9 lock leave
  ['b9ab8ce7f081da7ab9de09da6c4137b0480bd43e', LOCK_UD], // C9 lock leave
  ['90ed2837f03e40b6a8abc38ead277f71304776e1', LOCK_UD], // CA lock retf 6F5Ch
  ['157a36803d8e61ca95ed950e2c9c0ff0210a6bf0', LOCK_UD], // CA lock retf 94DDh
  ['4d6b333d7d1ba37b3b52e84229729e2b834a18e2', LOCK_UD], // CA lock retf 0B0D3h
  ['1cb5d710684d68ebcf7cae57f5c92df312d06b03', LOCK_UD], // CA lock retf 786Fh
  ['b4d9e083ec786ce57efbc42307ee2f30ec593605', LOCK_UD], // CB lock retf
  ['0497793736af3d072a2947a7be1e32ea15f6a337', LOCK_UD], // CB lock retf
  ['d5d488e98c47c3d1b950592daaf72fbee0ed2d25', LOCK_UD], // CB lock retf
  ['f18ec73f9fcf4f488071f52c4e3fbc57bd5cc7f6', LOCK_UD], // CB lock retf
  ['cece2a635489c3dea95ba4a2a25c7a374f61e4c4', LOCK_UD], // CC lock int3
  ['9c17c3c86e5d4fd7800452be50842f7fcdfec929', LOCK_UD], // CC lock int3
  ['a2cda4bab85664cd2f0f34879173073adce1a06d', LOCK_UD], // CC lock int3
  ['d4c4f057ee66c1436881d3d72919c031e0fdc2a5', LOCK_UD], // CD lock int 0DDh
  ['97ec7568288ccbc45ddaac058f9b95c60fe3fe9f', LOCK_UD], // CD lock int 5Ch
  ['55f559d202cc246c992c4805e60f1798dc8235a3', LOCK_UD], // CD lock int 6Fh
  ['6c402f3f43b2b892e35785ba0fde0e21a53e1f6f', LOCK_UD], // CD lock int 7Bh
  ['20b06625dfbb90fafdb7cd2aa10b8a21f3084d1e', LOCK_UD], // CE lock into
  ['2abca6924a22a80bab2737b986fa35ee948f16ba', LOCK_UD], // CE lock into
  ['dfdc63d859796ab2956252cdab4a69aa79af3f23', LOCK_UD], // CE lock into
  ['4715a059cb6b802fc586168e5cac51011534d221', LOCK_UD], // CE lock into
  ['4724c097c7253b5140a5fa1d5c6f4b127f0fee3e', LOCK_UD], // CE lock into
  ['2933dcc8c8d007da7757b8f62ba538efd53c317c', LOCK_UD], // CF lock iret
  ['c96a064323e0ab315a9d26ed72e6a45ad1ba42b9', LOCK_UD], // CF lock iret
  ['fedac1bc8782d0c3c49869cc1ca1577aa9eedac2', LOCK_UD], // CF lock iret
  ['09748dd83341f78b5b2176d9343cef599dde2ab5', LOCK_UD], // CF lock iret
  ['87220e1b81c30bae9f696d84ae20ed78ad85e7f9', LOCK_UD], // D0.0 lock rol byte [bp+di-75Ch],1
  ['1975507b7dd261ade87e94d391caead5ad11781f', LOCK_UD], // D0.0 lock rol byte [bp+si+4Eh],1
  ['bd0243437e7ff32490cdf249e8d7631be69e00a1', LOCK_UD], // D0.0 lock rol byte [bp+di-6Ah],1
  ['203ebdcdcee0f14faa8ea6a8afdc6516fe406e7c', LOCK_UD], // D0.0 lock rol byte [es:14FAh],1
  ['ff915be5439ad3e576c7f6dd96f06034fdeb5ea0', LOCK_UD], // D0.0 lock rol bl,1
  ['3e1e04ef2b73cf0932e933b4d6a9c15ccb77fb03', LOCK_UD], // D0.0 lock rol byte [bx+78h],1
  ['aeb36737a01363d494124ee0738813818578e343', LOCK_UD], // D0.1 lock ror byte [bp+di-75Ch],1
  ['6ae5970d27c98b0639487d0f68e19044dc910784', LOCK_UD], // D0.1 lock ror byte [bp+si+4Eh],1
  ['967c873a678abc4cfde55be2e27810d80d381ac5', LOCK_UD], // D0.1 lock ror byte [bp+di-6Ah],1
  ['94ccdbe113d16c3aca4f2c03d0905ee5aa2c1f0f', LOCK_UD], // D0.1 lock ror byte [es:14FAh],1
  ['95946a35ccbfb3d538dd9d5d8185e8323202882f', LOCK_UD], // D0.1 lock ror bl,1
  ['77afd5c379ad345d67a3c2b74b441f1a265d994e', LOCK_UD], // D0.1 lock ror byte [bx+78h],1
  ['52a81cdb35d8dcbe5b0754c1a0ab1926a75ed03e', LOCK_UD], // D0.2 lock rcl byte [bp+di-75Ch],1
  ['15d48e043b4768fd820f1d29f25ac660f083dc77', LOCK_UD], // D0.2 lock rcl byte [bp+si+4Eh],1
  ['32ad95bc2d5d65d6927ba751c203aa61bf5848e3', LOCK_UD], // D0.2 lock rcl byte [bp+di-6Ah],1
  ['5720b21132ff4be77d76a9f8c799038901f4adfa', LOCK_UD], // D0.2 lock rcl byte [es:14FAh],1
  ['3f858657ffd44826b7204e7f6c129440927f6b50', LOCK_UD], // D0.2 lock rcl bl,1
  ['ecf0cde0a96f94d35dbfa52eb0fe4b53a4e6068f', LOCK_UD], // D0.2 lock rcl byte [bx+78h],1
  ['6beca19d40b6d2bc2555055920ec9786e8305986', LOCK_UD], // D0.3 lock rcr byte [bp+di-75Ch],1
  ['6bf1d96b4f0ce24cbaa6cbb0dc7ad652ec59df6d', LOCK_UD], // D0.3 lock rcr byte [bp+si+4Eh],1
  ['d04f0ffbf2d96be7d6c8964ef20151a8b2b443e7', LOCK_UD], // D0.3 lock rcr byte [bp+di-6Ah],1
  ['a48f14dd9e1e4f636158b05d1b890068b15672a8', LOCK_UD], // D0.3 lock rcr byte [es:14FAh],1
  ['396c389504c1dd89b73d8656f1823477a0fff39a', LOCK_UD], // D0.3 lock rcr bl,1
  ['025c5f4187a316d427425f174521a53d2e53ebbc', LOCK_UD], // D0.3 lock rcr byte [bx+78h],1
  ['7bf01866e0cf29292b12f0fdd293c8d6d9a04f0b', LOCK_UD], // D0.4 lock shl byte [bp+di-75Ch],1
  ['194a2885c4271f1f3d6cda7c9aa0be124d91346e', LOCK_UD], // D0.4 lock shl byte [bp+si+4Eh],1
  ['6101a0d842ac63ff08dbce4d1f010e51b2a6a5b7', LOCK_UD], // D0.4 lock shl byte [bp+di-6Ah],1
  ['448dad5c644a65f863732573ab8f1d8432ca9b20', LOCK_UD], // D0.4 lock shl byte [es:14FAh],1
  ['5ff1b212206601b7f460cbc80746e91a55977072', LOCK_UD], // D0.4 lock shl bl,1
  ['8a1bc994c03499cf0d230a98ccffde241a77a1fd', LOCK_UD], // D0.4 lock shl byte [bx+78h],1
  ['1ec905f881c09b256e4f9636cb9b9efd4531f890', LOCK_UD], // D0.5 lock shr byte [bp+si+4Eh],1
  ['c1466b07fb30040f0192132b6828d061f847c86f', LOCK_UD], // D0.5 lock shr byte [bp+di-6Ah],1
  ['69d4bb533909d6f8fb37fb89a2f58bfcdc8e0725', LOCK_UD], // D0.5 lock shr byte [es:14FAh],1
  ['06f7e1db3cb717e8bc404cd84f2f5152ffbdf800', LOCK_UD], // D0.5 lock shr bl,1
  ['807b6fdbfa0fbe85402bb8903a6cd7d5580f0ab3', LOCK_UD], // D0.5 lock shr byte [bx+78h],1
  ['740a66f198af60725704366ed4c797a4b2f4216d', LOCK_UD], // D0.6 lock sal byte [bp+di-75Ch],1
  ['7209b153f60b44969476f8f10bdb7e383669da84', LOCK_UD], // D0.6 lock sal byte [bp+si+4Eh],1
  ['f672456945994d3f7a1aec731aaba0b0f13738ad', LOCK_UD], // D0.6 lock sal byte [bp+di-6Ah],1
  ['2d0732ec401b402a4e6e1e55a07b557401d86f20', LOCK_UD], // D0.6 lock sal byte [es:14FAh],1
  ['b5058738a5ec739e2f0bb1bfdcda6f8070fcbfc0', LOCK_UD], // D0.6 lock sal bl,1
  ['fe68ccfb0d8ba39ce672d4abc86b1c0e5f24c186', LOCK_UD], // D0.6 lock sal byte [bx+78h],1
  ['5beb6a4ef5c096a3f70cfceec24d44678de52502', LOCK_UD], // D0.7 lock sar byte [bp+di-75Ch],1
  ['e0cf211fbe5ab90798bacc274bebb289daded090', LOCK_UD], // D0.7 lock sar byte [bp+si+4Eh],1
  ['c21d2f7579be42aa30bae3542d016aca198ea3f4', LOCK_UD], // D0.7 lock sar byte [bp+di-6Ah],1
  ['0bb7af5653320cd41727551dd24ea141878f3b06', LOCK_UD], // D0.7 lock sar byte [es:14FAh],1
  ['bfc499d67dabc2c770096c5d1f6353bf2352b9c2', LOCK_UD], // D0.7 lock sar bl,1
  ['a1c380d6a74e2d06d18c86dce4ff62e77eadb6bb', LOCK_UD], // D0.7 lock sar byte [bx+78h],1
  ['4b704576075d338dbdb52400ad555df06b5ff60d', LOCK_UD], // D1.0 lock rol word [bp+si+4Eh],1
  ['2c28ffec7757354120bb590a2fc508355e1980d7', LOCK_UD], // D1.0 lock rol word [es:14FAh],1
  ['602bd29e8ba0dedd2ce6151becc9c4e4bf728f70', LOCK_UD], // D1.0 lock rol word [bp+di-6Ah],1
  ['3645ac7eb7ae72ed7f2a2af3e0e1e9b8fdc54ceb', LOCK_UD], // D1.0 lock rol word [bx+78h],1
  ['e1f3aa84b0563f4f3ef16a9e6b72d411dfa48ec1', LOCK_UD], // D1.0 lock rol bx,1
  ['8ba42426de2d2446d4b1e8e73e1a00344ba24ada', LOCK_UD], // D1.1 lock ror word [bp+di-75Ch],1
  ['46cb3f32b8895199a1d83cf4b9820564b7a9b994', LOCK_UD], // D1.1 lock ror word [bp+si+4Eh],1
  ['f498bd6b1bdf9de081b72c1d3dfbf98a0edeb592', LOCK_UD], // D1.1 lock ror word [es:14FAh],1
  ['cf49b1c268e4871c9aee1ffbbc87ff33de9865f3', LOCK_UD], // D1.1 lock ror word [bp+di-6Ah],1
  ['9f12123bcaa2e883076ade482fe1e6e3e683256e', LOCK_UD], // D1.1 lock ror word [bx+78h],1
  ['4ada8955e8e9c0cee2abf825f7e2b551430f8afe', LOCK_UD], // D1.1 lock ror bx,1
  ['0e1866b53d345b2cfe56b09767a4ca5912d6d288', LOCK_UD], // D1.2 lock rcl word [bp+di-75Ch],1
  ['e1789f30bc04525435485c9e46b53026f7ae5593', LOCK_UD], // D1.2 lock rcl word [bp+si+4Eh],1
  ['3fac5a0a2bcb9a0bf7bae81d28ae92f9b63853f5', LOCK_UD], // D1.2 lock rcl word [es:14FAh],1
  ['b09cc454e96701f2830bb1cea355af8b34ed09f6', LOCK_UD], // D1.2 lock rcl word [bp+di-6Ah],1
  ['04d6ccbc6e3c86696318ba8a3522bc3972b204e0', LOCK_UD], // D1.2 lock rcl word [bx+78h],1
  ['e853fbae90e2d368832528dd76fef4dee5dc2946', LOCK_UD], // D1.2 lock rcl bx,1
  ['4eb875de0810a684c0e3c4efe7e747095414b2d3', LOCK_UD], // D1.3 lock rcr word [bp+di-75Ch],1
  ['c63899e47117ce332a397dace15350b9bd8597db', LOCK_UD], // D1.3 lock rcr word [bp+si+4Eh],1
  ['9e4841096e497ad723f4e8b408ff7b37e1553923', LOCK_UD], // D1.3 lock rcr word [es:14FAh],1
  ['6d010e82e97e17051681575a420475b00037af36', LOCK_UD], // D1.3 lock rcr word [bp+di-6Ah],1
  ['f1e56d4f31fbc1302e3618bcdbda050fc24c9ea2', LOCK_UD], // D1.3 lock rcr word [bx+78h],1
  ['2e8077c99c5d54d8177e50c3b0758458f6ba254c', LOCK_UD], // D1.3 lock rcr bx,1
  ['43fb7009f8a380ede8e20e1b987427186d683fe5', LOCK_UD], // D1.4 lock shl word [bp+di-75Ch],1
  ['a7794447af50fc27081595eb8ff67d7c019a2720', LOCK_UD], // D1.4 lock shl word [bp+si+4Eh],1
  ['99e98be0632c6dc0dea71c774f4ba3ad254209f2', LOCK_UD], // D1.4 lock shl word [es:14FAh],1
  ['ae900c5173d50cab4260aaa3ee05cf80d14f9ebd', LOCK_UD], // D1.4 lock shl word [bp+di-6Ah],1
  ['2c264e658c5b3e68669ca56baafa7655a4643b27', LOCK_UD], // D1.4 lock shl word [bx+78h],1
  ['098d3a452d40edc9be7bb43de7f32823f2625ce1', LOCK_UD], // D1.4 lock shl bx,1
  ['49414279199d7cd53bbe379a84ed04960c8fbac4', LOCK_UD], // D1.5 lock shr word [bp+di-75Ch],1
  ['c740ad7fcd90cfbec301bcf0bef483397d6d3af5', LOCK_UD], // D1.5 lock shr word [bp+si+4Eh],1
  ['7368abba50ef4a9061a0a94b033390ab504fb910', LOCK_UD], // D1.5 lock shr word [es:14FAh],1
  ['27f2f0a684f7f162fdda57488f83d5a2ac428033', LOCK_UD], // D1.5 lock shr word [bp+di-6Ah],1
  ['5c2eb32fb93007208d4bb0825aba925b267a6719', LOCK_UD], // D1.5 lock shr word [bx+78h],1
  ['ac9411a58075b976744e74d299f22f04647adf15', LOCK_UD], // D1.5 lock shr bx,1
  ['a2c31992fc5ab2f58e7c50a394ec45bee7b88cca', LOCK_UD], // D1.6 lock sal word [bp+si+4Eh],1
  ['327b116bcddc478a3a613a2316fd92dd03f3bf52', LOCK_UD], // D1.6 lock sal word [es:14FAh],1
  ['86cc268da4238249c7ac4a7eded495d9c02c523b', LOCK_UD], // D1.6 lock sal word [bp+di-6Ah],1
  ['56ee753352645d2628dc23dd9160a9eed87ca39e', LOCK_UD], // D1.6 lock sal word [bx+78h],1
  ['08880187d70f76b9b2dd2969ba4b070aec77eff3', LOCK_UD], // D1.6 lock sal bx,1
  ['38107d79d94fe5af9d0d98adf171a1fd74046c86', LOCK_UD], // D1.7 lock sar word [bp+di-75Ch],1
  ['48163b5b497ba37933e4971c922db77098e175d4', LOCK_UD], // D1.7 lock sar word [bp+si+4Eh],1
  ['a1ed2c37a1cd61a840f1f96580041e95e3f61638', LOCK_UD], // D1.7 lock sar word [es:14FAh],1
  ['cd9de24f8798fdf19af06f5d561b3768ee818750', LOCK_UD], // D1.7 lock sar word [bp+di-6Ah],1
  ['9c84693c5bcbc508d8f4c1f17b2d98793e523951', LOCK_UD], // D1.7 lock sar word [bx+78h],1
  ['a370f609d2b5c719464b147e495306777f053116', LOCK_UD], // D1.7 lock sar bx,1
  ['6c41c4bed18ca756a0ef054b9b49c30319e4a5eb', LOCK_UD], // D2.0 lock rol byte [bp+di-75Ch],cl
  ['6fd29a0ec592e838eeb63804da85d621cd95ff01', LOCK_UD], // D2.0 lock rol byte [bp+si+4Eh],cl
  ['9a4e3ca4c594ec95fb707c982eaa6ebd31f78a41', LOCK_UD], // D2.0 lock rol byte [bp+di-6Ah],cl
  ['c823f40d90b3ecee8e36004c1025d41fb905391d', LOCK_UD], // D2.0 lock rol byte [es:14FAh],cl
  ['3fb9303202687682095f52f7bc57ba5c3c892956', LOCK_UD], // D2.1 lock ror byte [bp+di-75Ch],cl
  ['6f4c43ae8340a9c42fd5aef4ecdf6c29e43443be', LOCK_UD], // D2.1 lock ror byte [bp+si+4Eh],cl
  ['3a2603f26bfe774adde96e40f0f691f12667b711', LOCK_UD], // D2.1 lock ror byte [bp+di-6Ah],cl
  ['28b425535d005c345384b32263a96f7721871814', LOCK_UD], // D2.1 lock ror byte [es:14FAh],cl
  ['2582c618062ec9be38bc8a32314bf70318b252d9', LOCK_UD], // D2.2 lock rcl byte [bp+di-75Ch],cl
  ['4beaa8474f78dd7ba801729331fcbfb2dfa95c19', LOCK_UD], // D2.2 lock rcl byte [bp+si+4Eh],cl
  ['1697c62705584685a2d98a869e80a296eb2d9f30', LOCK_UD], // D2.2 lock rcl byte [bp+di-6Ah],cl
  ['71ece90d94a418af602fe0714816aa688311c775', LOCK_UD], // D2.2 lock rcl byte [es:14FAh],cl
  ['cec0c261ac84602157a1f2211fd8912f141f93cc', LOCK_UD], // D2.2 lock rcl bl,cl
  ['186624b8ca0eb83037cb0e8132c5d61405f6ca19', LOCK_UD], // D2.3 lock rcr byte [bp+di-75Ch],cl
  ['d51b014b653112e3885a356da11f26d6bd4b1bf8', LOCK_UD], // D2.3 lock rcr byte [bp+si+4Eh],cl
  ['7c41ed049f5333b341ccb8dd4d83180080011539', LOCK_UD], // D2.3 lock rcr byte [bp+di-6Ah],cl
  ['85f4c57a8b422d879b71fcc16187aa70b6c01ebe', LOCK_UD], // D2.3 lock rcr byte [es:14FAh],cl
  ['fe8243974ca066e02c5b412d25eca496b9d9ef0b', LOCK_UD], // D2.3 lock rcr bl,cl
  ['30c8fed4fa3f806b475ffd030d095143a2695eb2', LOCK_UD], // D2.4 lock shl byte [bp+si+4Eh],cl
  ['52c783d32f9e47c4541735fd94440a577ceba93b', LOCK_UD], // D2.4 lock shl byte [bp+di-6Ah],cl
  ['7d621aab533342723a390b6bb765eeffc40d749a', LOCK_UD], // D2.4 lock shl byte [es:14FAh],cl
  ['65a82afbcec2b144e9ade7f04bf66241539f92c6', LOCK_UD], // D2.4 lock shl bl,cl
  ['67acefc8f3d98090ded9bf57ffa479e4d5874849', LOCK_UD], // D2.5 lock shr byte [bp+di-75Ch],cl
  ['33ff36b78fab957f51557b2b8d837bb503453b6b', LOCK_UD], // D2.5 lock shr byte [bp+si+4Eh],cl
  ['6d6f4a39e7c19d23f3d6e5dcc34bb508ff178253', LOCK_UD], // D2.5 lock shr byte [bp+di-6Ah],cl
  ['90c3f83f755bb0cf6fcf36aff9ac7d0c3fcf0a88', LOCK_UD], // D2.5 lock shr byte [es:14FAh],cl
  ['00f81cbc4918b894b15b74145eba38323345ed52', LOCK_UD], // D2.5 lock shr bl,cl
  ['1c047df8541eb618ea761d2b4a1f3275183cfe2c', LOCK_UD], // D2.6 lock sal byte [bp+di-75Ch],cl
  ['93115f73bfb347e67d81d6b27261beadcfdf14f5', LOCK_UD], // D2.6 lock sal byte [bp+si+4Eh],cl
  ['f06d6c4800db879b3033d6db1fc19dd362e02fed', LOCK_UD], // D2.6 lock sal byte [bp+di-6Ah],cl
  ['5ce1d6f9ac66259cde83952d7f3e92a814ca1eae', LOCK_UD], // D2.6 lock sal byte [es:14FAh],cl
  ['39459ed91610b7cdbf2107fb4d4c2603c0c95c66', LOCK_UD], // D2.6 lock sal bl,cl
  ['37dfc90483a7886aaba9fcc999d826c45cf06c55', LOCK_UD], // D2.7 lock sar byte [bp+di-75Ch],cl
  ['8a4711b25e1430d99ff441af10f60a7c3feb6580', LOCK_UD], // D2.7 lock sar byte [bp+si+4Eh],cl
  ['d09544a7ea1d90d78be30ac071047ccff3ef34db', LOCK_UD], // D2.7 lock sar byte [bp+di-6Ah],cl
  ['81b5f0016d9bdb7c722510565b9610269883bb04', LOCK_UD], // D2.7 lock sar byte [es:14FAh],cl
  ['2fd3e51a9dd317ce4b11d083022c58320f68008e', LOCK_UD], // D2.7 lock sar bl,cl
  ['bc32ff6456033eb47151ec121993e35fd060bcc8', LOCK_UD], // D3.0 lock rol word [bp+di-75Ch],cl
  ['ee8e8705ec25cedeb313686bbc055d21088bdbbe', LOCK_UD], // D3.0 lock rol word [bp+si+4Eh],cl
  ['73d1d42f1e0b38cd4f63fdfa1dc0190a8f069403', LOCK_UD], // D3.0 lock rol word [es:14FAh],cl
  ['afa485e12303dc3ae9c00947f8acb732108a70ef', LOCK_UD], // D3.0 lock rol word [bp+di-6Ah],cl
  ['8b4d6edba5b7ab2f0193cf2fa960b1ca9421936a', LOCK_UD], // D3.0 lock rol word [bx+78h],cl
  ['98bbbfbdb239d00bc016bbbba97a8ed47a1b14d9', LOCK_UD], // D3.1 lock ror word [bp+di-75Ch],cl
  ['b5604c94354babaa82187ee80bdcf2dd31977578', LOCK_UD], // D3.1 lock ror word [bp+si+4Eh],cl
  ['3da93ae92a29f728375567fa50c53284ca286a28', LOCK_UD], // D3.1 lock ror word [es:14FAh],cl
  ['d31f6bbaf793b488c53a50d352bc48692a491a38', LOCK_UD], // D3.1 lock ror word [bp+di-6Ah],cl
  ['d80e4794de5024d3564baf7c5e1f7c4d0c7c03a0', LOCK_UD], // D3.1 lock ror word [bx+78h],cl
  ['5c9b7a1dc205fa4c89a1ac07103fd76a9823a19f', LOCK_UD], // D3.2 lock rcl word [bp+di-75Ch],cl
  ['58921f6db73a2b419ac922937d7f0c914060020c', LOCK_UD], // D3.2 lock rcl word [bp+si+4Eh],cl
  ['78acc2a9d48c8e668f4bfcfb9ca5d81654f7f33e', LOCK_UD], // D3.2 lock rcl word [es:14FAh],cl
  ['be72c6ac7ccd68969dc22a887abf9613fb7b3037', LOCK_UD], // D3.2 lock rcl word [bp+di-6Ah],cl
  ['19863d9443ff094eb92d64f4e321532aaa553e85', LOCK_UD], // D3.2 lock rcl word [bx+78h],cl
  ['7bd9d87db364292ede5a5980aab076bfbf17eed1', LOCK_UD], // D3.3 lock rcr word [bp+di-75Ch],cl
  ['35e724335b99936c50ee7fbfe279f3e4aadac22a', LOCK_UD], // D3.3 lock rcr word [bp+si+4Eh],cl
  ['c34cce2791e74cec0a8cdb9d3070f498559d3cba', LOCK_UD], // D3.3 lock rcr word [es:14FAh],cl
  ['8a94c006a82a8cdd89f7fc0ba902d20ddcf7482c', LOCK_UD], // D3.3 lock rcr word [bp+di-6Ah],cl
  ['165a5f30066c6e5a8d66ad4429d80c7c953974d1', LOCK_UD], // D3.3 lock rcr word [bx+78h],cl
  ['3871b51775a6eb4b5fd8d9ff229f8d397af82446', LOCK_UD], // D3.4 lock shl word [bp+di-75Ch],cl
  ['3246068f4964ff33d08f314d0b42c517d5571921', LOCK_UD], // D3.4 lock shl word [bp+si+4Eh],cl
  ['4d06a41bad3820084d3d857ce5195b1fad3b9c8c', LOCK_UD], // D3.4 lock shl word [es:14FAh],cl
  ['acdd85a3ea6350f5272840aa890f1f31febd6c3f', LOCK_UD], // D3.4 lock shl word [bp+di-6Ah],cl
  ['cef208841a1ad7226c602f0a88ca0239d71f6238', LOCK_UD], // D3.5 lock shr word [bp+di-75Ch],cl
  ['e798845ef648fe2e368bdc976402d4b11f445092', LOCK_UD], // D3.5 lock shr word [bp+si+4Eh],cl
  ['0c385169b1cef86e48c217fa62b1bf83bf5e4229', LOCK_UD], // D3.5 lock shr word [es:14FAh],cl
  ['64e31afb3ca2b6b50d337599e6245074f8c07a3a', LOCK_UD], // D3.5 lock shr word [bp+di-6Ah],cl
  ['fbcbb56443d6c3303f49f4c182eadb52c762a207', LOCK_UD], // D3.6 lock sal word [bp+di-75Ch],cl
  ['0c1e5f1026082f25c9ab316cfb55170d8a47628e', LOCK_UD], // D3.6 lock sal word [bp+si+4Eh],cl
  ['00370e5c3307d71880a0c965fd17b1f918453bb7', LOCK_UD], // D3.6 lock sal word [es:14FAh],cl
  ['8338d15bf8373ce4f65de989dd475dd97a3ba210', LOCK_UD], // D3.6 lock sal word [bp+di-6Ah],cl
  ['8c55c233caac42af3f0a571a2e0ac30e505584af', LOCK_UD], // D3.6 lock sal word [bx+78h],cl
  ['5fd6e0a1359ce084430766b9326fab6595bc04a7', LOCK_UD], // D3.7 lock sar word [bp+di-75Ch],cl
  ['4d9c28ff5d159cd88123ad25705f34ca2ae8c1de', LOCK_UD], // D3.7 lock sar word [bp+si+4Eh],cl
  ['b568120a9512c40d07ae16c76ceff0c2f5706855', LOCK_UD], // D3.7 lock sar word [es:14FAh],cl
  ['37fddead215cd5497a557b2396c687191af5f2cc', LOCK_UD], // D3.7 lock sar word [bp+di-6Ah],cl
  ['bc0a2e292f2a2552bfe7c3190f3ac77ba4a33422', LOCK_UD], // D3.7 lock sar word [bx+78h],cl
  ['250403f7fcd5b1a8f78e3410ff8131ee8a0accc5', LOCK_UD], // D4 lock aam 7Ah
  ['74dc0d2fa0b48eaf2f9661fc8d48f6b27c25d184', LOCK_UD], // D4 lock aam 0BBh
  ['03317530b27f7012dda0f490dd35f085631125d4', LOCK_UD], // D4 lock aam 7Bh
  ['10d37b2d1f3101796b550e74d5305d097e9b7d5c', LOCK_UD], // D5 lock aad 7Ah
  ['7608d2131c85779b5c9e70cf6fbb5bb05d22fd0e', LOCK_UD], // D5 lock aad 0BBh
  ['4cd3c43325ab8bd58aa8410d5de1995673d52095', LOCK_UD], // D5 lock aad 7Bh
  ['5a4d50b5a411df40dd682888d356a927100fddd9', LOCK_UD], // D6 lock salc
  ['2cda569bc2b3ec0e1e52f4a29a91f937634e281d', LOCK_UD], // D6 lock salc
  ['4956e7b780df374a29735e92eb80b9fb4d7f9055', LOCK_UD], // D6 lock salc
  ['c752d03d83a3a509c7aa7a64814fc9e51d9b1d7a', LOCK_UD], // D7 lock xlatb
  ['4b4dec388558e8b2af6a760c80c182a49da24ce8', LOCK_UD], // D7 lock xlatb
  ['013d644939ddc91109cf2ef373c638c9fcefe4ca', LOCK_UD], // D7 es lock xlatb
  ['f9fcc5efe82924c8577a8c24bc77f73853b3d6a8', LOCK_UD], // D7 lock xlatb
  ['3c2c939b64d6f5c68ac69e24ce3c739428e146cf', LOCK_UD], // D8 lock fdivr dword [bp+di-6Ah]
  ['95dc855851f1c75b3469d12d81bf2a3154b761fd', LOCK_UD], // D8 lock fcom dword [es:14FAh]
  ['a3fa77c0729f8f1b69b66ad546eae9a5c1c3a239', LOCK_UD], // D8 lock fdivr dword [bp+di-75Ch]
  ['d1ac97f73a9f9e4fb07755b7462f21cee8ca81fd', LOCK_UD], // D8 lock fdivr dword [bp+si+4Eh]
  ['624f3179f2e98a0d93431c280e812a913818279c', LOCK_UD], // D8 lock fcomp dword [si+6Fh]
  ['0f7cec925c80349f9701e294e9b977c9d9360f51', LOCK_UD], // E0 lock loopne 0FFACh
  ['1c189b88604845acd2750160cf2a54098c454715', LOCK_UD], // E0 lock loopne 004Ah
  ['7421d6aa9cf354773203c549b81b0d4af996f915', LOCK_UD], // E0 lock loopne 0FFDAh
  ['038502cc80d76cc2e67bd0c70025e43203712552', LOCK_UD], // E0 lock loopne 0057h
  ['16876d273b71b7073c7db15787822a706ff5452d', LOCK_UD], // E1 lock loope 0FFACh
  ['7c025b5d553f213c80cbdc7ffc50e9e69ea080d7', LOCK_UD], // E1 lock loope 0FFDAh
  ['a4a5de8e4fd761d8b29beeb4df1a8084f3575156', LOCK_UD], // E1 lock loope 004Ah
  ['f3034fdfa749897edfdecc95ed3370742bf7a9c0', LOCK_UD], // E1 lock loope 0057h
  ['c2fe7e327a2c4d9f1572f094a0d2021ccc758289', LOCK_UD], // E2 lock loop 0FFACh
  ['738ddf59e6182ad05b0e6cdfbd186f97f0b0299d', LOCK_UD], // E2 lock loop 004Ah
  ['8849080645221e6146abc47d4a765c2e7d89460a', LOCK_UD], // E2 lock loop 0FFDAh
  ['690c6488b21c55beaf5523151b6b76e8a1b16e76', LOCK_UD], // E3 lock jcxz 0FFACh
  ['faf4ab6dcbd89b9873f6e90c80940d9ebcb57e1d', LOCK_UD], // E3 lock jcxz 0FFDAh
  ['dfb6326422488116603ccaef12ee38fe1d4e1f77', LOCK_UD], // E3 lock jcxz 004Ah
  ['66368f012d0f2225fa4b475192d20a244654b1a7', LOCK_UD], // E4 lock in al,0A9h
  ['096f59f50241ffcf2bc1b885a4ff2ff076b14a24', LOCK_UD], // E4 lock in al,47h
  ['6f1d55222d6cb22c649af961b2200f422d8edb25', LOCK_UD], // E4 lock in al,0D7h
  ['e52fd70843c936ea93cb75815eb365e7b6e609b6', LOCK_UD], // E4 lock in al,0FFh
  ['4b278579cc84d1649e595c8ff4fee325d5fa3003', LOCK_UD], // E5 lock in ax,0A9h
  ['79dab843159daedb391ec4566324e95a30da1733', LOCK_UD], // E5 lock in ax,0D7h
  ['501fa9585550963ab445faf1b245e9f250ffd16e', LOCK_UD], // E5 lock in ax,47h
  ['947acf429d843211aee2ac19aba121ecb73927e3', LOCK_UD], // E5 lock in ax,0FFh
  ['fdcdd390092a407cb8383f3e12b0e0f99b50016c', LOCK_UD], // E6 lock out 0A9h,al
  ['80eb9e89b4a11f6c05001d4fbb9787524fa176f0', LOCK_UD], // E6 lock out 47h,al
  ['160d5f49421d89ccdb59eff07e151d5ab45877d0', LOCK_UD], // E6 lock out 0D7h,al
  ['e7e93d01ccf08733f406e0a042c6f218f1e904bf', LOCK_UD], // E6 lock out 0FFh,al
  ['d4dcc3d14e1698cc1859c449c6e055583a6b1b71', LOCK_UD], // E7 lock out 0A9h,ax
  ['c9d471822cca7e87ee34e0bf12df441c2abc5c01', LOCK_UD], // E7 lock out 0D7h,ax
  ['9c11d70c47c4ef95294209d88d6dfed5ace0b903', LOCK_UD], // E7 lock out 47h,ax
  ['8a7f43046aa0ed761613e3f9ce3e35a2331b544f', LOCK_UD], // E8 lock call 0F94Bh
  ['81c152f7bb78d32608f851a5c42e735c7f2bb224', LOCK_UD], // E8 lock call 89DBh
  ['bc5033d1cc791bc74aa608581288a3eaf6769394', LOCK_UD], // E8 lock call 99ADh
  ['7dd222e3fd94b9d6802a745f6c15c9a934b59618', LOCK_UD], // E8 lock call 0A0A9h
  ['828443806faaacc482a875b7ecb00e3b82ed9671', LOCK_UD], // E9 lock jmp 89DBh
  ['f141af5c1bb3ab5587c4adbbd2bd1d6d5432d425', LOCK_UD], // E9 lock jmp 0F94Bh
  ['ad16a013c203a46b08e19ab96d297760684d2078', LOCK_UD], // E9 lock jmp 99ADh
  ['16f74d70da57e0c2806cdaf39311cbafd6555bfb', LOCK_UD], // E9 lock jmp 0A0A9h
  ['3a2f90decbdbce7d1956dd204a8b430274a024b4', LOCK_UD], // E9 lock jmp 7FA4h
  ['b153986604eb3741667f1226780e7416eb9ce6a7', LOCK_UD], // EA lock jmp 0CE97h:0F947h
  ['2affa05d5e62b79a87abe5d2905f00e4ec055825', LOCK_UD], // EA lock jmp 0D5FBh:89D7h
  ['54212b2136c71b55f28beb3c8928c14c6056e6d5', LOCK_UD], // EA lock jmp 57DAh:99A9h
  ['a3b573dcb1ac15642834719e18ec4a2b5e9620ed', LOCK_UD], // EA lock jmp 5D87h:7FA0h
  ['a9b2334a9ee36ff6419891580a270845f1b80ef9', LOCK_UD], // EA lock jmp 47EBh:0A0A5h
  ['6133bb67ac76bc1db69082c705f629cc9463810c', LOCK_UD], // EB lock jmp short 0FFDAh
  ['460b2f1005dc8d8b035e3d312b9b5e1c7926b5e9', LOCK_UD], // EB lock jmp short 004Ah
  ['d0cad370b0c936f9327169b39bc5a4e07be83fd2', LOCK_UD], // EB lock jmp short 0FFACh
  ['ebdb3f406642f8a0522dce174e3b8d5aa4dfd4e2', LOCK_UD], // EB lock jmp short 0FFA3h
  ['c8b9eb9f953c974d3b96aa39f2cd26fd8f578ada', LOCK_UD], // EC lock in al,dx
  ['b8fb70fb95e940d9c5b1d5842462d4de53f904b4', LOCK_UD], // EC lock in al,dx
  ['5097272f520fe3a520ae2781e567fa9aecfeda23', LOCK_UD], // EC lock in al,dx
  ['951146105f895601a046df2e44852a3bb7d5c3ff', LOCK_UD], // EC lock in al,dx
  ['90827d32253fb6bc4b92a0d6f8de0d618ce615b1', LOCK_UD], // EC lock in al,dx
  ['0ed6afdf7e923c82d70d42a0dcc5b99474c2a40d', LOCK_UD], // ED lock in ax,dx
  ['cd13a256e7c0834683ab0ec2b1d32c40f1765c9b', LOCK_UD], // ED lock in ax,dx
  ['996b177e1ba19aac6d2a7fb0728dd5fb62e22fe2', LOCK_UD], // ED lock in ax,dx
  ['fd582f119f750f9b808b959ee311287fc0117a4b', LOCK_UD], // ED lock in ax,dx
  ['12ba292096b869487ccec1c82d4d159bc718014d', LOCK_UD], // ED lock in ax,dx
  ['bfd38841eac600b15524516f13abf6481a630dd2', LOCK_UD], // EE lock out dx,al
  ['737c3299890d875b2f8f268281082501e6f49bf8', LOCK_UD], // EE lock out dx,al
  ['ea156320b8df755590df85bcfd882f57573a27b7', LOCK_UD], // EE lock out dx,al
  ['d1266a988e632f24ff10073d0cb51711812a9f13', LOCK_UD], // EE lock out dx,al
  ['8f91730fe2313105ec3db05191ef2e1dadb926eb', LOCK_UD], // EF lock out dx,ax
  ['e5b12887a255c17b412f98da84e927abc1b4b35d', LOCK_UD], // EF lock out dx,ax
  ['e763fb8ec5738bab386738ea08e19cce8ae1f5e3', LOCK_UD], // EF lock out dx,ax
  ['5098a01469f4a5f9545b48c95b2dac6efcc3860f', LOCK_UD], // EF lock out dx,ax
  ['d96aca6db038c3c8e92fef493ad60e57aa339d75', LOCK_UD], // EF lock out dx,ax
  ['90e222012d261c84ec12ee8ea587c9955b2406e9', LOCK_UD], // F4 lock hlt
  ['d86bdb77c820bd3512e2abfcb5d97a3ae565f1a8', LOCK_UD], // F4 lock hlt
  ['eb0a8238f076c45015d4c5334217d1ab0314af7c', LOCK_UD], // F4 lock hlt
  ['5224699e1aa13cb69cd49de748077b85e98ebe14', LOCK_UD], // F4 lock hlt
  ['d5444697bfc7382d8ae794130642c1c893d5dc37', LOCK_UD], // F4 lock hlt
  ['133fa7c48af6d14fe435ef53658f0571345b9182', LOCK_UD], // F4 lock hlt
  ['13d3171ed7c9a9fc57f0f478b55ca66bc0f273ec', LOCK_UD], // F4 lock hlt
  ['e07698d08e0c5334692bca9946d5e4dbac94e12f', LOCK_UD], // F6.0 lock test bh,55h
  ['08651bd52495fc7ae944c1712564677f1d1ce238', LOCK_UD], // F6.0 lock test byte [bx+di],0
  ['4d47fbaada1dc73deb5805cb6f707ccf368d8e28', LOCK_UD], // F6.0 lock test byte [bx+di+2],0C6h
  ['93597742c5d9115de185e318e62608c6b79c040c', LOCK_UD], // F6.0 lock test byte [bx+si-7881h],5Dh
  ['e77a3cb184b05302ed95e90e5ba5633577bf7fb9', LOCK_UD], // F6.0 lock test byte [di-1460h],47h
  ['8899f59c9e4bde469e4125e2ee0a3cdc918718b7', LOCK_UD], // F6.1 lock test bh,55h
  ['419afab3f4cfabf4a553ca4fa34b29c65b2d5861', LOCK_UD], // F6.1 lock test byte [bx+di],0
  ['a4ee61a35cf3bec84c3d58d99af91961be4bf02a', LOCK_UD], // F6.1 lock test byte [bx+di+2],0C6h
  ['443514698f181e56568a95f12eb29f724644a6a2', LOCK_UD], // F6.1 lock test byte [bx+si-7881h],5Dh
  ['7086f1b2fa154a21cdf283f307c46f71980a29f5', LOCK_UD], // F6.1 lock test byte [di-1460h],47h
  ['17dca709347a8b3232e6aad77aa34e99ce7ebaf4', LOCK_UD], // F6.2 lock not bh
  ['112de9da0d30bd1076d3cbaa5e31fc80dffceec9', LOCK_UD], // F6.3 lock neg bh
  ['4d040f9b1f868f6d88938c6ca38c2bd7d83ac49c', LOCK_UD], // F6.4 lock mul bh
  ['bc4812b9e2b89ca3f9ccec3e88e914821434d9d8', LOCK_UD], // F6.4 lock mul byte [bx+di]
  ['6610d9879df43f8e00b7e581abd6c3fac554c2b4', LOCK_UD], // F6.4 lock mul byte [bx+di+2]
  ['309815db235ea7842189310b641d90463a35c99f', LOCK_UD], // F6.4 lock mul byte [bx+si-7881h]
  ['31f65c7ef8d425cee040be8b469e4c6a62eb77e9', LOCK_UD], // F6.4 lock mul byte [di-1460h]
  ['bec874bbcc6f6acbb30ce59bd4cab1a62c82716c', LOCK_UD], // F6.5 lock imul bh
  ['19c5b3b854fb4ddc39cd30fa72093dcea969d867', LOCK_UD], // F6.5 lock imul byte [bx+di]
  ['afe5b43989da3c0cde16ec4a59aa9d8d0ff2abc1', LOCK_UD], // F6.5 lock imul byte [bx+di+2]
  ['50f8b0cb494d154798c7947b984c9a1b177b2219', LOCK_UD], // F6.5 lock imul byte [bx+si-7881h]
  ['99aca964247980cc24fa7190ef1155b5a8db22b7', LOCK_UD], // F6.5 lock imul byte [di-1460h]
  ['ce9ee31b2c1321ee0d243f6ed1acb1eabd0647a9', LOCK_UD], // F6.6 lock div bh
  ['c4e19ded904aa04f7cb45897201840fb1a34bde1', LOCK_UD], // F6.6 lock div byte [bx+di]
  ['620cd1b8464120d4168b04e9f9b2fae2ee38cbee', LOCK_UD], // F6.6 lock div byte [bx+di+2]
  ['da4637c43eb22faef2a976907a879446af7aa2da', LOCK_UD], // F6.6 lock div byte [bx+si-7881h]
  ['b9efd4007deeb05263167490bc36f7d09bec9f0d', LOCK_UD], // F6.6 lock div byte [di-1460h]
  ['831fe37fa7c91ed5e1d4032a594241628de826c4', LOCK_UD], // F6.7 lock idiv bh
  ['f2cee318bba39f901f26c76f38ff809143529b9a', LOCK_UD], // F6.7 lock idiv byte [bx+di]
  ['393bbb258c88046754c1949bc8e7f0a09043e1d4', LOCK_UD], // F6.7 lock idiv byte [bx+di+2]
  ['5491c51ddce2f889b5f6bbaaafaaf4ab0ce9f3ab', LOCK_UD], // F6.7 lock idiv byte [bx+si-7881h]
  ['940e05b61def3158709c022caeabd3393fd75b57', LOCK_UD], // F6.7 lock idiv byte [di-1460h]
  ['81be3051c3585472a2237f071a6644ef2d54212e', LOCK_UD], // F7.0 lock test di,0E155h
  ['c98d99bdf7aef46cb377a692b510fda8091db079', LOCK_UD], // F7.0 lock test word [bx+di],0
  ['ff798c08d9a820555303c1d579d4db5653f9e301', LOCK_UD], // F7.0 lock test word [bx+si-7881h],0B65Dh
  ['0645d75a5ea221540e22bf01c87461a54bfccc2b', LOCK_UD], // F7.0 lock test word [di-1460h],6247h
  ['1b8d98cc4012f51057174a1f9e4ffca5202b8eaa', LOCK_UD], // F7.1 lock test di,0E155h
  ['adaaaafbf9e91b7fe1a652690c714222c38c423e', LOCK_UD], // F7.1 lock test word [bx+di],0
  ['0fb62f80bbee36f5a9d5f246ee193f354c91854e', LOCK_UD], // F7.1 lock test word [bx+di+2],21C6h
  ['c1f53920b9f66be47c1d99ae91e1fabc4b9efd5e', LOCK_UD], // F7.1 lock test word [bx+si-7881h],0B65Dh
  ['1f10ae4c53d6cf9c04b53c2122db742eec5c93ea', LOCK_UD], // F7.1 lock test word [di-1460h],6247h
  ['ee6c6744a4cb8ec5af7a9c791a049cb13eadd40b', LOCK_UD], // F7.2 lock not di
  ['b432043e218526d679b697cdefc0334545d7d0af', LOCK_UD], // F7.3 lock neg di
  ['39947e8ce20c237c77ba5ac2de6c0bd57be47076', LOCK_UD], // F7.4 lock mul di
  ['fd0a1e48b192fa80bd8a3ed31a773ea2e455e385', LOCK_UD], // F7.4 lock mul word [bx+di]
  ['0c1e6230487564bd2f5076fd7dadbdf587e524ce', LOCK_UD], // F7.4 lock mul word [bx+di+2]
  ['12f0718ae8547c6686a9835c1f30bc821644d123', LOCK_UD], // F7.4 lock mul word [bx+si-7881h]
  ['8c4b52a0ec9a2ce807778485782f5e6368e4d8d1', LOCK_UD], // F7.4 lock mul word [di-1460h]
  ['730811c6e3e42006bcfd6290a6ca8a711562ef74', LOCK_UD], // F7.5 lock imul di
  ['6e4e35b6aeb219f707eb52e7ac386a9e37534ec9', LOCK_UD], // F7.5 lock imul word [bx+di]
  ['fd421d56a11b9e6023ff76283d293a910843831c', LOCK_UD], // F7.5 lock imul word [bx+si-7881h]
  ['56df145a3616ea0b673e408d1e9cf3369f0d5644', LOCK_UD], // F7.5 lock imul word [di-1460h]
  ['c0e1006ee07ae6ff49db2aa16f5df60633ecf566', LOCK_UD], // F7.6 lock div word [bx+di]
  ['f2e1e6b97b787a98e3d127f794e4b4dc2e64a0cc', LOCK_UD], // F7.6 lock div word [bx+di+2]
  ['65ab4a632d8b30ce1c75c0ccab12119cd749e64d', LOCK_UD], // F7.6 lock div word [bx+si-7881h]
  ['86902c1a7e1bc9e5b84b8400fb49a1b4e9f1250b', LOCK_UD], // F7.6 lock div word [di-1460h]
  ['ece3f97ddcfe4e9805830f786dda26e4ba4f7281', LOCK_UD], // F7.7 lock idiv di
  ['6c12a5e48ee31d263aa539f3f2f6ea60e945c04b', LOCK_UD], // F7.7 lock idiv word [bx+di]
  ['21930e049e65bb98635b3acff767d02d265fe92b', LOCK_UD], // F7.7 lock idiv word [bx+di+2]
  ['8e305a47bd54108000fa42f68c2650470843be11', LOCK_UD], // F7.7 lock idiv word [bx+si-7881h]
  ['a4a88a7d4aa3eccc568d58bdd7f235f8c6a8fc04', LOCK_UD], // F7.7 lock idiv word [di-1460h]
  ['c04b6e32eb20a7445fb515446efb4e6333e62c2e', LOCK_UD], // FE.0 lock inc bh
  ['f336540f0bd7cdc5a617dd3d2158fe1f79295d96', LOCK_UD], // FE.1 lock dec bh
  ['c78e0ed7d628aeb44d6cf527123142e12a97c2b9', LOCK_UD], // FF.0 lock inc di
  ['4480fc6513ec485a4d77975887fad93d15520912', LOCK_UD], // FF.1 lock dec di
  ['8f10a08e8dd8ffc4196106b347fe9b2090a6159d', LOCK_UD], // FF.2 lock call word [bx+di]
  ['76d1f643c1a20ba665e549b5a09db5d13ec66fa6', LOCK_UD], // FF.2 lock call word [bx+di+2]
  ['f82f4c5b72132f892fc975eafa9ad9075e64636d', LOCK_UD], // FF.2 lock call word [bx+si-7881h]
  ['d5d8b1514d2180347e79deb18ef48f8da68b207e', LOCK_UD], // FF.2 lock call di
  ['633d9862ecf50016a22db51577adffe0229b26f7', LOCK_UD], // FF.3 lock call far [bx+di]
  ['379edc690f07a0d8bda7679c8afec8ef6af16b09', LOCK_UD], // FF.3 lock call far [bx+di+2]
  ['7978babf38b50d6a61fdc75ff7f085298308c6e3', LOCK_UD], // FF.3 lock call far [bx+si-7881h]
  ['5022a2a37906f2bb29f755df176b9d0cc63ac3cb', LOCK_UD], // FF.3 lock call far [di-1460h]
  ['79dd10d1486f21da22836132c166916649b186ec', LOCK_UD], // FF.4 lock jmp word [bx+di]
  ['8559dbf46bc646bc415bef016fa6c69b167a1d35', LOCK_UD], // FF.4 lock jmp word [bx+di+2]
  ['a165044c7d2869331c5c04fc5ef8b287468de1de', LOCK_UD], // FF.4 lock jmp word [bx+si-7881h]
  ['a1b16a47a84343ea66c497a6c6ff76f1a554ca71', LOCK_UD], // FF.4 lock jmp word [di-1460h]
  ['06a42cb2cacc0f05856b2370c1800572804f618b', LOCK_UD], // FF.4 lock jmp di
  ['56684678d742d5aa65e25ae28a0b72ca600cc48e', LOCK_UD], // FF.5 lock jmp far [bx+di]
  ['426cc8a02a3e4c1f18c6370a2847993cd790e328', LOCK_UD], // FF.5 lock jmp far [bx+di+2]
  ['dd4e57a1a77e552a5e68e585241f051e9313863c', LOCK_UD], // FF.5 lock jmp far [bx+si-7881h]
  ['3f245ab1fae9dbf621d71907d9944aa1f697a65e', LOCK_UD], // FF.5 lock jmp far [di-1460h]
  ['95261cbbcf3bd49df8a6f199ac51a92c0bb3808a', LOCK_UD], // FF.6 lock push word [bx+di]
  ['61aeeacad8b1fcbf36d237ab25b5fbe34fa85ad8', LOCK_UD], // FF.6 lock push word [bx+di+2]
  ['4f84ea1a9256d62eab80938932afc5b3c2fc2893', LOCK_UD], // FF.6 lock push word [bx+si-7881h]
  ['aa23c68e8130690f84c9db2a4d039e9a17d95e9f', LOCK_UD], // FF.6 lock push word [di-1460h]
  ['fb4a8aa283490da225c296276892ee1cca26f176', LOCK_UD], // FF.6 lock push di
  ['47ab22f1b7eeea6287b6552b81b0857b94ecc564', LOCK_UD], // 56 lock push si
  ['caf94c52d4cc1fb1cb8fb6ff221bb087d5d3d521', LOCK_UD], // 57 lock push di
  ['8897391a79dae2125ecfcc5170028ffd9370a31f', LOCK_UD], // C0.4 lock shl byte [bp+di-75Ch],9Ah
  ['750cbd0baf136f0a71243046e8aa60d543f19dda', LOCK_UD], // C0.5 lock shr byte [bp+di-75Ch],9Ah
  ['e43cf684f9efbeef0124438435edcc9d41a4598b', LOCK_UD], // C1.0 lock rol word [bp+di-75Ch],9Ah
  ['f42968d0987159a3a9dd78e9c5fec7e732dd6a19', LOCK_UD], // C2 lock ret 0B0D3h
  ['ed70047bfe67f042a1cece614260dcac56779bfa', LOCK_UD], // C2 lock ret 6F5Ch
  ['a013ed2194dfbc19bc95ebe503619b16f62418b0', LOCK_UD], // C3 lock ret
  ['6b108e6c8eb8938a5aa51ddaa8cf225db14b8642', LOCK_UD], // CC lock int3
  ['31685a80cf003a1c2e63a8069af9eb623980a576', LOCK_UD], // CC lock int3
  ['6dad5c811f252acaded30ab68db0d12130ec4d15', LOCK_UD], // CD lock int 0D3h
  ['08c6cd2548d308786d70cc9d9f472a00f9a60a8b', LOCK_UD], // D0.5 lock shr byte [bp+di-75Ch],1
  ['d785fc9b0ed389b76902cb836d04d0f85774c756', LOCK_UD], // D1.0 lock rol word [bp+di-75Ch],1
  ['6e8f6489dfd92c0600564879ca9982b4ca7a385c', LOCK_UD], // D1.6 lock sal word [bp+di-75Ch],1
  ['981821087332bf3d17fb886778a9cc7193fd8465', LOCK_UD], // D2.4 lock shl byte [bp+di-75Ch],cl
  ['69ab3190337e0a77f45faf6b7ae2902482ebe572', LOCK_UD], // F7.0 lock test word [bx+di+2],21C6h
  ['b4ca7c505ddc3543f7f456f4211f7c4cbea6040a', LOCK_UD], // F7.5 lock imul word [bx+di+2]
  ['82d0d79ca8c245bb1affbec06f36c161471b501e', LOCK_UD], // F7.6 lock div di
  ['a75115a822d0612050f4247219c675011ee99d46', LOCK_UD], // FF.2 lock call word [di-1460h]
];

export const EXCLUDED = new Map(EXCLUSIONS);
