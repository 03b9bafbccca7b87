/**
 * The bus: the one dispatch point for every port (PIO) and memory-mapped (MMIO) access and
 * every DMA transfer. Devices register ops tables with the access sizes they implement
 * (as QEMU's MemoryRegionOps do); the observer hook sees every access after it completes,
 * with the value read or written. The hypervisor logs and shadows there.
 *
 * - PIO: 65,536 ports; 1/2/4-byte accesses. An access of a width the device does not
 *   implement is split into narrower accesses at consecutive addresses, as the ISA bus
 *   splits a 16-bit cycle to an 8-bit device (`inw 0x20` reads 0x20 and 0x21). Unmapped
 *   ports read all-ones and ignore writes (v86 io.js does the same).
 * - MMIO: regions of any length at any address; the pages they cover stop being RAM.
 *   Handlers get the offset into the region, so a PCI BAR can move.
 * - DMA: devices reach guest memory through dmaRead/dmaWrite, which mark pages dirty.
 *
 * Nothing here allocates per access.
 */
import { PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, PhysicalMemory, type MmioDispatch } from './memory.js';

export const SIZE_8 = 1;
export const SIZE_16 = 2;
export const SIZE_32 = 4;
/** Bit mask of access sizes (1 | 2 | 4) a handler implements. */
export const SIZES_ALL = 1 | 2 | 4;

export const SPACE_PIO = 0;
export const SPACE_MMIO = 1;
export const DIR_READ = 0;
export const DIR_WRITE = 1;

/** Who made an access: the guest, or the hypervisor driving a device itself. */
export const ORIGIN_GUEST = 0;
export const ORIGIN_HYPERVISOR = 1;

/** Device index 0 is "nothing there". */
export const DEVICE_UNMAPPED = 0;

/** A block of consecutive I/O ports (the board says where each device sits). */
export interface PortRange {
  readonly base: number;
  readonly count: number;
}

export interface IoHandler {
  /** Access sizes implemented, as a mask of 1 | 2 | 4. Other sizes are split. */
  readonly sizes: number;
  /** PIO: `addr` is the port. MMIO: `addr` is the offset into the region. Returns the value (unsigned). */
  read(addr: number, size: number): number;
  write(addr: number, size: number, value: number): void;
  /**
   * What read(addr, size) would return now, when that read would change nothing and the value
   * can change only at the device's own timer events or at an access to it; else -1. Optional
   * (none: every read may change something). A compiled poll loop skips the reads this allows
   * (jit/poll-loop.ts): a status register polled until a device event sets a bit.
   */
  stableRead?(addr: number, size: number): number;
}

export interface BusObserver {
  /** Called after every device-level access. `value` is unsigned. */
  access(space: number, dir: number, addr: number, size: number, value: number, device: number, origin: number): void;
  /**
   * Optional: the access this observer saw last, `times` more times, `stride` instructions apart
   * (a compiled poll loop's skipped reads, which pioStableRead said change nothing). False, having
   * done nothing, when it cannot: access() is then called for each, at its count.
   */
  accessRepeated?(times: number, stride: number): boolean;
  /** Called after every DMA transfer, with the bytes moved (a scratch buffer for word transfers: read it, don't keep it). */
  dma(dir: number, device: number, addr: number, data: Uint8Array, origin: number): void;
}

export interface MmioRegion {
  readonly device: number;
  readonly base: number;
  readonly length: number;
  readonly handler: IoHandler;
}

const SIZE_MASK = [0, 0xff, 0xffff, 0, 0xffffffff];

function narrowest(sizes: number, size: number): number {
  // The widest implemented size below `size`; a handler must implement at least one.
  if (size === 4 && sizes & 2) return 2;
  return 1;
}

/** Several observers behind the one hook (the trace writer and the hypervisor's intercepts). */
class ObserverFanout implements BusObserver {
  constructor(readonly observers: BusObserver[]) {}
  access(space: number, dir: number, addr: number, size: number, value: number, device: number, origin: number): void {
    const list = this.observers;
    for (let i = 0; i < list.length; i++) list[i].access(space, dir, addr, size, value, device, origin);
  }
  dma(dir: number, device: number, addr: number, data: Uint8Array, origin: number): void {
    const list = this.observers;
    for (let i = 0; i < list.length; i++) list[i].dma(dir, device, addr, data, origin);
  }
}

export class Bus implements MmioDispatch {
  /** Names of registered devices; index is the device id used in traces. */
  readonly deviceNames: string[] = ['unmapped'];
  /** The hook every access passes; null when nobody watches (the fast case). Use add/removeObserver. */
  observer: BusObserver | null = null;
  private readonly observers: BusObserver[] = [];
  /** Set by the hypervisor while it drives devices itself, so its accesses are told apart. */
  origin = ORIGIN_GUEST;

  private readonly portHandler = new Uint16Array(65536);
  private readonly portDevice = new Uint16Array(65536);
  /**
   * The handler's `sizes` per port: a typed-array load where `handler.sizes` is a megamorphic
   * property load (a dozen device classes share the call site), on every IN and OUT.
   */
  private readonly portSizes = new Uint8Array(65536).fill(SIZES_ALL);
  private readonly handlers: IoHandler[] = [UNMAPPED_HANDLER];

  private readonly mmioPage = new Uint16Array(1 << 20);
  private readonly regions: (MmioRegion | null)[] = [null];

  constructor(readonly memory: PhysicalMemory) {
    memory.attachMmio(this);
  }

  /** Watch every access and DMA transfer from now on. */
  addObserver(o: BusObserver): void {
    this.observers.push(o);
    this.observer = this.observers.length === 1 ? o : new ObserverFanout(this.observers.slice());
  }

  removeObserver(o: BusObserver): void {
    const i = this.observers.indexOf(o);
    if (i < 0) return;
    this.observers.splice(i, 1);
    this.observer =
      this.observers.length === 0 ? null : this.observers.length === 1 ? this.observers[0] : new ObserverFanout(this.observers.slice());
  }

  /** Run `fn` with accesses marked as the hypervisor's own (traces tell them from the guest's). */
  asHypervisor<T>(fn: () => T): T {
    const saved = this.origin;
    this.origin = ORIGIN_HYPERVISOR;
    try {
      return fn();
    } finally {
      this.origin = saved;
    }
  }

  registerDevice(name: string): number {
    const existing = this.deviceNames.indexOf(name);
    if (existing > 0) throw new Error(`device "${name}" is already registered on the bus`);
    this.deviceNames.push(name);
    return this.deviceNames.length - 1;
  }

  deviceId(name: string): number {
    const id = this.deviceNames.indexOf(name);
    return id < 0 ? DEVICE_UNMAPPED : id;
  }

  // ---------------------------------------------------------------- PIO

  mapPorts(device: number, first: number, count: number, handler: IoHandler): void {
    if (!(handler.sizes & SIZES_ALL)) throw new Error('an IoHandler must implement at least one access size');
    for (let p = first; p < first + count; p++) {
      if (this.portHandler[p] !== 0) {
        throw new Error(`port 0x${p.toString(16)} is already mapped to ${this.deviceNames[this.portDevice[p]]}`);
      }
    }
    const index = this.handlers.push(handler) - 1;
    this.portHandler.fill(index, first, first + count);
    this.portDevice.fill(device, first, first + count);
    this.portSizes.fill(handler.sizes, first, first + count);
  }

  unmapPorts(first: number, count: number): void {
    this.portHandler.fill(0, first, first + count);
    this.portDevice.fill(0, first, first + count);
    this.portSizes.fill(UNMAPPED_HANDLER.sizes, first, first + count);
  }

  /** The device id a port is mapped to (DEVICE_UNMAPPED when none). */
  portOwner(port: number): number {
    return this.portDevice[port & 0xffff];
  }

  // pioRead and pioWrite are kept small (the observer call and the split out of line) because
  // the CPU's execute loop inlines them into IN and OUT only while its inlining budget lasts.

  pioRead(port: number, size: number): number {
    port &= 0xffff;
    const handler = this.handlers[this.portHandler[port]];
    if (!(this.portSizes[port] & size)) return this.splitPioRead(port, size, handler);
    const value = handler.read(port, size) & SIZE_MASK[size];
    const result = size === 4 ? value >>> 0 : value;
    if (this.observer !== null) this.observePio(DIR_READ, port, size, result);
    return result;
  }

  pioWrite(port: number, size: number, value: number): void {
    port &= 0xffff;
    const handler = this.handlers[this.portHandler[port]];
    if (!(this.portSizes[port] & size)) {
      this.splitPioWrite(port, size, value, handler);
      return;
    }
    const v = size === 4 ? value >>> 0 : value & SIZE_MASK[size];
    handler.write(port, size, v);
    if (this.observer !== null) this.observePio(DIR_WRITE, port, size, v);
  }

  private observePio(dir: number, port: number, size: number, value: number): void {
    this.observer!.access(SPACE_PIO, dir, port, size, value, this.portDevice[port], this.origin);
  }

  /**
   * What a read of `port` would return now (unsigned), if that read would change nothing and
   * the value can change only at the device's timer events or accesses (IoHandler.stableRead);
   * else -1. A split access is never stable.
   */
  pioStableRead(port: number, size: number): number {
    port &= 0xffff;
    if (!(this.portSizes[port] & size)) return -1;
    const handler = this.handlers[this.portHandler[port]];
    if (handler.stableRead === undefined) return -1;
    const v = handler.stableRead(port, size);
    return v < 0 ? -1 : (v & SIZE_MASK[size]) >>> 0;
  }

  /**
   * `times` more of the read just made, `stride` instructions apart, skipped (pioStableRead said
   * they return its value and change nothing), for the observer in one call if it can take them
   * so (BusObserver.accessRepeated). False: the caller reports each (skippedPioRead), at its count.
   */
  skippedPioReads(times: number, stride: number): boolean {
    const o = this.observer;
    return o === null || (o.accessRepeated !== undefined && o.accessRepeated(times, stride));
  }

  /** One read skipped as skippedPioReads says: the observer sees it as it would have seen pioRead's. */
  skippedPioRead(port: number, size: number, value: number): void {
    if (this.observer !== null) this.observePio(DIR_READ, port & 0xffff, size, value);
  }

  private splitPioRead(port: number, size: number, handler: IoHandler): number {
    const part = narrowest(handler.sizes, size);
    let v = 0;
    for (let i = 0; i < size; i += part) v |= this.pioRead((port + i) & 0xffff, part) << (8 * i);
    return size === 4 ? v >>> 0 : v;
  }

  private splitPioWrite(port: number, size: number, value: number, handler: IoHandler): void {
    const part = narrowest(handler.sizes, size);
    for (let i = 0; i < size; i += part) this.pioWrite((port + i) & 0xffff, part, value >>> (8 * i));
  }

  // ---------------------------------------------------------------- MMIO

  mapMmio(device: number, base: number, length: number, handler: IoHandler): MmioRegion {
    if (!(handler.sizes & SIZES_ALL)) throw new Error('an IoHandler must implement at least one access size');
    base >>>= 0;
    const firstPage = base >>> PAGE_SHIFT;
    const lastPage = (base + length - 1) >>> PAGE_SHIFT;
    for (let p = firstPage; p <= lastPage; p++) {
      if (this.mmioPage[p] !== 0) {
        const other = this.regions[this.mmioPage[p]]!;
        throw new Error(`MMIO page 0x${(p * PAGE_SIZE).toString(16)} is already mapped to ${this.deviceNames[other.device]}`);
      }
    }
    const region: MmioRegion = { device, base, length, handler };
    let index = this.regions.indexOf(null, 1);
    if (index < 0) index = this.regions.push(region) - 1;
    else this.regions[index] = region;
    this.mmioPage.fill(index, firstPage, lastPage + 1);
    this.memory.mapMmioPages(firstPage, lastPage - firstPage + 1);
    return region;
  }

  unmapMmio(region: MmioRegion): void {
    const index = this.regions.indexOf(region);
    if (index <= 0) return;
    const firstPage = region.base >>> PAGE_SHIFT;
    const lastPage = (region.base + region.length - 1) >>> PAGE_SHIFT;
    this.mmioPage.fill(0, firstPage, lastPage + 1);
    this.memory.unmapMmioPages(firstPage, lastPage - firstPage + 1);
    this.regions[index] = null;
  }

  mmioRegions(): MmioRegion[] {
    return this.regions.filter((r): r is MmioRegion => r !== null);
  }

  mmioRead(addr: number, size: number): number {
    addr >>>= 0;
    const region = this.regions[this.mmioPage[addr >>> PAGE_SHIFT]];
    const offset = region === null ? -1 : addr - region.base;
    let result: number;
    let device = DEVICE_UNMAPPED;
    if (region === null || offset < 0 || offset + size > region.length) {
      result = SIZE_MASK[size] >>> 0;
    } else if (!(region.handler.sizes & size)) {
      return this.splitMmioRead(addr, size, region.handler);
    } else {
      device = region.device;
      const value = region.handler.read(offset, size) & SIZE_MASK[size];
      result = size === 4 ? value >>> 0 : value;
    }
    if (this.observer !== null) this.observer.access(SPACE_MMIO, DIR_READ, addr, size, result, device, this.origin);
    return result;
  }

  mmioWrite(addr: number, size: number, value: number): void {
    addr >>>= 0;
    const region = this.regions[this.mmioPage[addr >>> PAGE_SHIFT]];
    const offset = region === null ? -1 : addr - region.base;
    const v = size === 4 ? value >>> 0 : value & SIZE_MASK[size];
    let device = DEVICE_UNMAPPED;
    if (region !== null && offset >= 0 && offset + size <= region.length) {
      if (!(region.handler.sizes & size)) {
        this.splitMmioWrite(addr, size, v, region.handler);
        return;
      }
      device = region.device;
      region.handler.write(offset, size, v);
    }
    if (this.observer !== null) this.observer.access(SPACE_MMIO, DIR_WRITE, addr, size, v, device, this.origin);
  }

  private splitMmioRead(addr: number, size: number, handler: IoHandler): number {
    const part = narrowest(handler.sizes, size);
    let v = 0;
    for (let i = 0; i < size; i += part) v |= this.mmioRead(addr + i, part) << (8 * i);
    return size === 4 ? v >>> 0 : v;
  }

  private splitMmioWrite(addr: number, size: number, value: number, handler: IoHandler): void {
    const part = narrowest(handler.sizes, size);
    for (let i = 0; i < size; i += part) this.mmioWrite(addr + i, part, value >>> (8 * i));
  }

  // ---------------------------------------------------------------- DMA

  /** The bytes of a 32-bit DMA word, reused (observers read them during the call only). */
  private readonly dmaWord = new Uint8Array(4);

  /** A device reads guest RAM (bus-master DMA). Bytes outside RAM read as 0xff. */
  dmaRead(device: number, addr: number, length: number): Uint8Array {
    return this.dmaReadInto(device, addr, new Uint8Array(length));
  }

  /** dmaRead into the device's own buffer (descriptors, words): no allocation per transfer. */
  dmaReadInto(device: number, addr: number, out: Uint8Array): Uint8Array {
    this.memory.readInto(addr >>> 0, out);
    if (this.observer !== null) this.observer.dma(DIR_READ, device, addr >>> 0, out, this.origin);
    return out;
  }

  /** A device writes guest RAM (bus-master DMA), marking the pages dirty. */
  dmaWrite(device: number, addr: number, data: Uint8Array): void {
    this.memory.writeBytes(addr >>> 0, data);
    if (this.observer !== null) this.observer.dma(DIR_WRITE, device, addr >>> 0, data, this.origin);
  }

  /** Little-endian 32-bit DMA read, for descriptor fields. */
  dmaRead32(device: number, addr: number): number {
    const b = this.dmaReadInto(device, addr, this.dmaWord);
    return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  }

  dmaWrite32(device: number, addr: number, value: number): void {
    const b = this.dmaWord;
    b[0] = value;
    b[1] = value >>> 8;
    b[2] = value >>> 16;
    b[3] = value >>> 24;
    this.dmaWrite(device, addr, b);
  }
}

/** What an unmapped port or address answers: all-ones, writes ignored. */
const UNMAPPED_HANDLER: IoHandler = {
  sizes: SIZES_ALL,
  read: (_addr, size) => SIZE_MASK[size],
  write: () => {},
  stableRead: (_addr, size) => SIZE_MASK[size],
};

export { PAGE_MASK, PAGE_SIZE };
