/**
 * Physical memory: RAM in 4 KiB pages with a dirty bitmap, MMIO windows that take precedence
 * over RAM, and the A20 gate.
 *
 * Every 4 KiB page of the 4 GiB physical address space has a kind: RAM, MMIO or unmapped.
 * The hot path (CPU loads and stores) checks the kind byte and touches the RAM array
 * directly; only MMIO and unmapped pages take the slow path. Unmapped memory reads as
 * all-ones and ignores writes, as on a PC with nothing decoding the address.
 *
 * A20: the gate masks physical address bit 20 of CPU accesses (not of DMA). The CPU applies
 * `a20Mask` when it forms a physical address; port 0x92 (see board) flips it.
 */
import { InputError, MachineFault } from '../errors.js';

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;
/** Pages in the 4 GiB physical address space. */
export const ADDRESS_SPACE_PAGES = 1 << 20;
export const MAX_MEMORY = 2 ** 32;

/**
 * DMA transfers up to this many bytes are copied in a loop: descriptors (4, 8, 16 bytes) are
 * most of a NIC's transfers, and a subarray view plus a set() cost more than the loop there.
 */
const SHORT_COPY = 64;

export const PAGE_RAM = 0;
export const PAGE_MMIO = 1;
export const PAGE_UNMAPPED = 2;
/**
 * Post-copy migration: a RAM page whose contents have not arrived yet. The hot paths test for
 * PAGE_RAM only, so an absent page takes the slow path, which asks the AbsentPageHandler for
 * it first. With no absent pages nothing on the hot path changes (zero cost when off).
 */
export const PAGE_ABSENT = 3;
/**
 * Read-only memory (a ROM image at the reset vector, src/board/boot-rom.ts): reads come from
 * RAM at `romBacking(addr)` — the page itself for the copy below 1 MiB, the low copy for the
 * alias below 4 GiB — and CPU writes are ignored, as a PC's ROM ignores them. Loaders, DMA
 * and migration write the bytes underneath (writeBytes), as they would fill a shadow RAM.
 * Like MMIO and absent pages, ROM takes the slow path: RAM accesses cost nothing more.
 */
export const PAGE_ROM = 4;
/** Where the top of the 4 GiB space aliases the top of the first MiB (the BIOS ROM decode). */
export const ROM_ALIAS_DELTA = 0xfff00000;

export const A20_ENABLED_MASK = 0xffffffff | 0;
export const A20_DISABLED_MASK = ~(1 << 20);

/** Where MMIO pages send their accesses: the bus, which is the one dispatch point. */
export interface MmioDispatch {
  mmioRead(addr: number, size: number): number;
  mmioWrite(addr: number, size: number, value: number): void;
}

/**
 * Who supplies absent pages (the post-copy destination, src/migration/postcopy-destination.ts).
 * Both calls are synchronous: the access that needed the page continues when they return.
 */
export interface AbsentPageHandler {
  /**
   * The CPU or a DMA transfer touched `page`: fetch it and call `memory.installPage` (the
   * page becomes RAM). Leaving it absent stops the machine with a fault.
   */
  fault(page: number): void;
  /**
   * An observer (a trace checkpoint, a machine snapshot) reads `page` through `memory.page()`:
   * put its contents into `memory.ram` and leave it absent, so the guest's first touch still
   * counts as a fault. Observing changes nothing the guest can see.
   */
  observe(page: number): void;
}

/**
 * Dirty-page logging. Stores mark one byte per page in `bytes` (a single byte write on the hot
 * path, cheaper than a bit read-modify-write). Several consumers need "pages dirtied since I
 * last looked" at once — pre-copy rounds and trace checkpoints — so each is a `DirtyClient`
 * with its own log: taking a client's pages first folds the shared marks into every client's
 * log, then hands over and clears only that client's. No consumer can steal another's pages.
 * Scans skip clean pages four at a time.
 */
export class DirtyBitmap {
  /** Marks set by stores since the last fold. */
  readonly bytes: Uint8Array;
  private readonly words: Uint32Array;
  private readonly clients: DirtyClient[] = [];
  private defaultClient: DirtyClient | null = null;

  constructor(readonly pages: number) {
    const padded = (pages + 3) & ~3;
    this.bytes = new Uint8Array(padded);
    this.words = new Uint32Array(this.bytes.buffer, 0, padded >>> 2);
  }

  mark(page: number): void {
    this.bytes[page] = 1;
  }

  markRange(addr: number, length: number): void {
    if (length <= 0) return;
    const first = Math.floor(addr / PAGE_SIZE);
    const last = Math.min(this.pages - 1, Math.floor((addr + length - 1) / PAGE_SIZE));
    for (let p = first; p <= last; p++) this.bytes[p] = 1;
  }

  /** Mark every page dirty (a migration's first round sends everything). */
  markAll(): void {
    this.bytes.fill(1, 0, this.pages);
  }

  /** A new consumer; its log starts empty (it sees stores from now on). */
  createClient(name: string): DirtyClient {
    this.fold();
    const client = new DirtyClient(this, name, this.bytes.length);
    this.clients.push(client);
    return client;
  }

  /** Stop logging for a consumer. */
  removeClient(client: DirtyClient): void {
    const i = this.clients.indexOf(client);
    if (i >= 0) this.clients.splice(i, 1);
  }

  /** Pages dirtied since the last `takeAndClear()` (a built-in client, for single-consumer use). */
  takeAndClear(): Uint32Array {
    this.defaultClient ??= this.createClient('default');
    return this.defaultClient.takeAndClear();
  }

  isDirty(page: number): boolean {
    this.defaultClient ??= this.createClient('default');
    return this.defaultClient.isDirty(page);
  }

  /** Forget all marks and every client's log (after loading a boot image, say). */
  clear(): void {
    this.bytes.fill(0);
    for (const c of this.clients) c.log.fill(0);
  }

  /** @internal Move the shared marks into every client's log. */
  fold(): void {
    const w = this.words;
    const clients = this.clients;
    for (let i = 0; i < w.length; i++) {
      if (w[i] === 0) continue;
      for (const c of clients) c.logWords[i] |= w[i];
      w[i] = 0;
    }
  }
}

export class DirtyClient {
  /** @internal one byte per page, like DirtyBitmap.bytes */
  readonly log: Uint8Array;
  /** @internal */
  readonly logWords: Uint32Array;

  constructor(
    private readonly bitmap: DirtyBitmap,
    readonly name: string,
    paddedPages: number,
  ) {
    this.log = new Uint8Array(paddedPages);
    this.logWords = new Uint32Array(this.log.buffer, 0, paddedPages >>> 2);
  }

  /** Number of pages dirtied since this client's last take. */
  count(): number {
    this.bitmap.fold();
    let n = 0;
    const w = this.logWords;
    for (let i = 0; i < w.length; i++) {
      if (w[i] === 0) continue;
      const b = i << 2;
      n += this.log[b] + this.log[b + 1] + this.log[b + 2] + this.log[b + 3];
    }
    return n;
  }

  isDirty(page: number): boolean {
    this.bitmap.fold();
    return this.log[page] !== 0;
  }

  /**
   * The pages dirtied since this client's last take, ascending, with its log cleared in the
   * same step: what one pre-copy round takes. Single-threaded, so no store slips in between.
   */
  takeAndClear(): Uint32Array {
    const out = new Uint32Array(this.count());
    let k = 0;
    const w = this.logWords;
    for (let i = 0; i < w.length; i++) {
      if (w[i] === 0) continue;
      const b = i << 2;
      for (let j = 0; j < 4; j++) if (this.log[b + j] !== 0) out[k++] = b + j;
      w[i] = 0;
    }
    return out;
  }

  /** Mark every page dirty in this client's log only. */
  markAll(): void {
    this.log.fill(1, 0, this.bitmap.pages);
  }
}

export class PhysicalMemory {
  readonly size: number;
  readonly ram: Uint8Array;
  /** PAGE_RAM / PAGE_MMIO / PAGE_UNMAPPED for each of the 2^20 pages. */
  readonly pageKind: Uint8Array;
  readonly dirty: DirtyBitmap;
  /** ANDed into every CPU physical address; bit 20 clear while the A20 gate is closed. */
  a20Mask = A20_ENABLED_MASK;
  /**
   * Bumped whenever a20Mask or any pageKind entry changes: the CPU compares it after every
   * device access and re-validates its cached view of memory only when it moved.
   */
  mapEpoch = 0;
  /** Pages of kind PAGE_ABSENT (post-copy); 0 on every machine that is not a post-copy destination. */
  absentPages = 0;
  /**
   * Per RAM page: 1 while the CPU's compiler (cpu/jit/) holds code translated from the page.
   * Every store into such a page, by the CPU, DMA, a loader or a migration, calls
   * `codeWriteHook`, which drops the translations the store overwrote.
   */
  readonly codePages: Uint8Array;
  codeWriteHook: ((addr: number, length: number) => void) | null = null;
  private mmio: MmioDispatch | null = null;
  private absentHandler: AbsentPageHandler | null = null;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < PAGE_SIZE || size > MAX_MEMORY || size % PAGE_SIZE !== 0) {
      throw new InputError(
        'BAD_MEMORY_SIZE',
        `memory size ${size} is not a whole number of 4 KiB pages between 4 KiB and 4 GiB`,
      );
    }
    this.size = size;
    this.ram = new Uint8Array(size);
    const ramPages = size / PAGE_SIZE;
    this.pageKind = new Uint8Array(ADDRESS_SPACE_PAGES);
    this.pageKind.fill(PAGE_UNMAPPED, ramPages);
    this.dirty = new DirtyBitmap(ramPages);
    this.codePages = new Uint8Array(ramPages);
  }

  /**
   * RAM bytes [addr, addr + length) changed: code translated from them is dropped. The CPU's
   * stores and this class's writers call it; so must anyone who writes `ram` directly.
   */
  codeWritten(addr: number, length: number): void {
    if (this.codeWriteHook === null || length <= 0) return;
    const first = Math.max(0, Math.floor(addr / PAGE_SIZE));
    const last = Math.min(this.ramPages - 1, Math.floor((addr + length - 1) / PAGE_SIZE));
    for (let p = first; p <= last; p++) {
      if (this.codePages[p] !== 0) {
        this.codeWriteHook(addr, length);
        return;
      }
    }
  }

  get ramPages(): number {
    return this.dirty.pages;
  }

  get a20Enabled(): boolean {
    return this.a20Mask === A20_ENABLED_MASK;
  }

  setA20(enabled: boolean): void {
    this.a20Mask = enabled ? A20_ENABLED_MASK : A20_DISABLED_MASK;
    this.mapEpoch++;
  }

  /** The RAM address holding the byte a PAGE_ROM address reads (the alias above RAM reads the low copy). */
  romBacking(addr: number): number {
    addr >>>= 0;
    return addr < this.size ? addr : addr - ROM_ALIAS_DELTA;
  }

  /**
   * Make pages read-only memory (PAGE_ROM). A page at or above the RAM size reads the RAM
   * page ROM_ALIAS_DELTA below it, which must itself lie in RAM.
   */
  mapRomPages(firstPage: number, count: number): void {
    for (let p = firstPage; p < firstPage + count; p++) {
      const backing = this.romBacking(p * PAGE_SIZE) / PAGE_SIZE;
      if (backing >= this.ramPages) throw new Error(`ROM page 0x${(p * PAGE_SIZE).toString(16)} has no RAM under it`);
      this.pageKind[p] = PAGE_ROM;
    }
    this.mapEpoch++;
  }

  attachMmio(dispatch: MmioDispatch): void {
    this.mmio = dispatch;
  }

  /** Claim pages for MMIO (they stop being RAM for the CPU and for DMA until released). */
  mapMmioPages(firstPage: number, count: number): void {
    // An absent RAM page under a new MMIO window arrives first: its contents must survive the window.
    if (this.absentPages !== 0) for (let p = firstPage; p < Math.min(firstPage + count, this.ramPages); p++) this.faultIn(p);
    this.pageKind.fill(PAGE_MMIO, firstPage, firstPage + count);
    this.mapEpoch++;
  }

  unmapMmioPages(firstPage: number, count: number): void {
    for (let p = firstPage; p < firstPage + count; p++) {
      this.pageKind[p] = p < this.ramPages ? PAGE_RAM : PAGE_UNMAPPED;
    }
    this.mapEpoch++;
  }

  // ---- post-copy: absent pages ----

  /**
   * Mark RAM pages absent (their contents are elsewhere) and name who supplies them. Pages
   * that are not RAM right now (MMIO windows) are skipped. Returns how many became absent.
   */
  markAbsent(pages: ArrayLike<number>, handler: AbsentPageHandler): number {
    this.absentHandler = handler;
    let n = 0;
    for (let i = 0; i < pages.length; i++) {
      const p = pages[i];
      if (p < this.ramPages && this.pageKind[p] === PAGE_RAM) {
        this.pageKind[p] = PAGE_ABSENT;
        n++;
      }
    }
    this.absentPages += n;
    this.mapEpoch++;
    return n;
  }

  isAbsent(page: number): boolean {
    return this.pageKind[page] === PAGE_ABSENT;
  }

  /**
   * An absent page arrived: copy `data` in (unless null: the bytes are already in `ram`,
   * observed earlier) and make it RAM. Marks it dirty: its contents changed for every
   * dirty-log consumer.
   */
  installPage(page: number, data: Uint8Array | null): void {
    if (this.pageKind[page] !== PAGE_ABSENT) return;
    if (data !== null) this.ram.set(data.subarray(0, PAGE_SIZE), page * PAGE_SIZE);
    this.pageKind[page] = PAGE_RAM;
    this.mapEpoch++;
    this.dirty.bytes[page] = 1;
    if (this.codePages[page] !== 0) this.codeWritten(page * PAGE_SIZE, PAGE_SIZE);
    if (--this.absentPages === 0) this.absentHandler = null;
  }

  /** The slow path met an absent page: have it fetched (synchronously), or fault the machine. */
  faultIn(page: number): void {
    if (this.pageKind[page] !== PAGE_ABSENT) return;
    this.absentHandler?.fault(page);
    if (this.pageKind[page] === PAGE_ABSENT) {
      throw new MachineFault('ABSENT_PAGE', `page ${page} (0x${(page * PAGE_SIZE).toString(16)}) never arrived from the migration source`);
    }
  }

  private faultInRange(addr: number, length: number): void {
    const last = Math.min(this.ramPages - 1, Math.floor((addr + length - 1) / PAGE_SIZE));
    for (let p = Math.floor(addr / PAGE_SIZE); p <= last; p++) this.faultIn(p);
  }

  // ---- CPU-side accesses (physical address, A20 already applied by the caller) ----
  // read8/read16 return unsigned values; read32 returns a signed 32-bit integer (`| 0`).

  read8(addr: number): number {
    addr >>>= 0;
    const kind = this.pageKind[addr >>> PAGE_SHIFT];
    if (kind === PAGE_RAM) return this.ram[addr];
    if (kind === PAGE_MMIO) return this.mmio!.mmioRead(addr, 1) & 0xff;
    if (kind === PAGE_ABSENT) {
      this.faultIn(addr >>> PAGE_SHIFT);
      return this.ram[addr];
    }
    if (kind === PAGE_ROM) return this.ram[this.romBacking(addr)];
    return 0xff;
  }

  read16(addr: number): number {
    addr >>>= 0;
    if ((addr & PAGE_MASK) <= PAGE_SIZE - 2 && this.pageKind[addr >>> PAGE_SHIFT] === PAGE_RAM) {
      const r = this.ram;
      return r[addr] | (r[addr + 1] << 8);
    }
    return this.slowRead(addr, 2);
  }

  read32(addr: number): number {
    addr >>>= 0;
    if ((addr & PAGE_MASK) <= PAGE_SIZE - 4 && this.pageKind[addr >>> PAGE_SHIFT] === PAGE_RAM) {
      const r = this.ram;
      return r[addr] | (r[addr + 1] << 8) | (r[addr + 2] << 16) | (r[addr + 3] << 24);
    }
    return this.slowRead(addr, 4) | 0;
  }

  write8(addr: number, value: number): void {
    addr >>>= 0;
    const page = addr >>> PAGE_SHIFT;
    const kind = this.pageKind[page];
    if (kind === PAGE_RAM) {
      this.ram[addr] = value;
      this.dirty.bytes[page] = 1;
      if (this.codePages[page] !== 0) this.codeWritten(addr, 1);
    } else if (kind === PAGE_MMIO) {
      this.mmio!.mmioWrite(addr, 1, value & 0xff);
    } else if (kind === PAGE_ABSENT) {
      this.faultIn(page);
      this.write8(addr, value);
    }
  }

  write16(addr: number, value: number): void {
    addr >>>= 0;
    const page = addr >>> PAGE_SHIFT;
    if ((addr & PAGE_MASK) <= PAGE_SIZE - 2 && this.pageKind[page] === PAGE_RAM) {
      const r = this.ram;
      r[addr] = value;
      r[addr + 1] = value >>> 8;
      this.dirty.bytes[page] = 1;
      if (this.codePages[page] !== 0) this.codeWritten(addr, 2);
      return;
    }
    this.slowWrite(addr, 2, value);
  }

  write32(addr: number, value: number): void {
    addr >>>= 0;
    const page = addr >>> PAGE_SHIFT;
    if ((addr & PAGE_MASK) <= PAGE_SIZE - 4 && this.pageKind[page] === PAGE_RAM) {
      const r = this.ram;
      r[addr] = value;
      r[addr + 1] = value >>> 8;
      r[addr + 2] = value >>> 16;
      r[addr + 3] = value >>> 24;
      this.dirty.bytes[page] = 1;
      if (this.codePages[page] !== 0) this.codeWritten(addr, 4);
      return;
    }
    this.slowWrite(addr, 4, value);
  }

  /** A multi-byte access to MMIO within one page goes to the device whole; anything else splits into bytes. */
  private slowRead(addr: number, size: number): number {
    if (this.pageKind[addr >>> PAGE_SHIFT] === PAGE_MMIO && (addr & PAGE_MASK) <= PAGE_SIZE - size) {
      return this.mmio!.mmioRead(addr, size);
    }
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.read8((addr + i) >>> 0) << (8 * i);
    return size === 4 ? v >>> 0 : v;
  }

  private slowWrite(addr: number, size: number, value: number): void {
    if (this.pageKind[addr >>> PAGE_SHIFT] === PAGE_MMIO && (addr & PAGE_MASK) <= PAGE_SIZE - size) {
      this.mmio!.mmioWrite(addr, size, size === 4 ? value >>> 0 : value & 0xffff);
      return;
    }
    for (let i = 0; i < size; i++) this.write8((addr + i) >>> 0, value >>> (8 * i));
  }

  // ---- bulk access for loaders, DMA and migration (RAM only; MMIO/unmapped bytes are skipped) ----

  /** Copy bytes into RAM, marking pages dirty. Bytes that fall outside RAM are dropped. */
  writeBytes(addr: number, data: Uint8Array): void {
    const end = Math.min(this.size, addr + data.length);
    if (addr >= end) return;
    const n = end - addr;
    if (this.absentPages !== 0) this.faultInRange(addr, n);
    if (n <= SHORT_COPY) {
      const ram = this.ram;
      for (let i = 0; i < n; i++) ram[addr + i] = data[i];
    } else {
      this.ram.set(n === data.length ? data : data.subarray(0, n), addr);
    }
    this.dirty.markRange(addr, n);
    this.codeWritten(addr, n);
  }

  /** Copy bytes out of RAM; bytes outside RAM read as 0xff. */
  readBytes(addr: number, length: number): Uint8Array {
    return this.readInto(addr, new Uint8Array(length));
  }

  /** readBytes into `out` (its length is the length read). */
  readInto(addr: number, out: Uint8Array): Uint8Array {
    const length = out.length;
    const end = Math.min(this.size, addr + length);
    const n = addr < end ? end - addr : 0;
    if (n < length) out.fill(0xff, n);
    if (n > 0 && this.absentPages !== 0) this.faultInRange(addr, n);
    if (n <= SHORT_COPY) {
      const ram = this.ram;
      for (let i = 0; i < n; i++) out[i] = ram[addr + i];
    } else {
      out.set(this.ram.subarray(addr, end), 0);
    }
    return out;
  }

  /** A view of one RAM page (no copy). An absent page is observed first (AbsentPageHandler.observe). */
  page(pageNumber: number): Uint8Array {
    if (this.absentPages !== 0 && this.pageKind[pageNumber] === PAGE_ABSENT) this.absentHandler?.observe(pageNumber);
    const base = pageNumber * PAGE_SIZE;
    return this.ram.subarray(base, base + PAGE_SIZE);
  }
}
