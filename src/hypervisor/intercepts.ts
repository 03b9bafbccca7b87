/**
 * The intercept policy: which guest accesses cause a VM exit. As VT-x gives it (Intel SDM
 * vol. 3C, 25.1.3 "I/O bitmaps"; EPT violations for MMIO pages, 28.2.3), a port is trapped
 * per direction and an MMIO page is trapped as a whole. BLMVisor (4.4.1) monitors only the
 * ports behind write-only registers; we do the same, and change the bitmap at run time where
 * the need depends on device state (e.g. the CMOS data port is trapped only while the index selects
 * register A or C; 8259A A0=1 writes only while an ICW sequence is in progress).
 *
 * The bus observer hook (src/machine/bus.ts) sees every access after it completes; this
 * class plays the CPU's part of filtering it through the bitmap. A trapped guest access is
 * one VM exit, counted per device, and handed to the port's shadow. The hypervisor's own
 * accesses (ORIGIN_HYPERVISOR) are not exits, but the shadows still see them, so a shadow
 * stays true to the device while capture and reconstruction drive it.
 */
import {
  DIR_READ, DIR_WRITE, ORIGIN_GUEST, SPACE_MMIO, SPACE_PIO, type Bus, type BusObserver,
} from '../machine/bus.js';
import type { Clock } from '../machine/clock.js';
import { hex } from '../hex.js';

/**
 * A shadow's view of one trapped access. `icount` is when it happened (the VM exit's
 * timestamp). The object is reused for every exit (no allocation per access): a handler reads
 * it during the call and keeps values, never the object.
 */
export interface TrappedAccess {
  readonly space: number;
  readonly dir: number;
  readonly addr: number;
  readonly size: number;
  readonly value: number;
  readonly icount: number;
  readonly guest: boolean;
}

export type AccessHandler = (a: TrappedAccess) => void;

const PAGE_SHIFT = 12;

export class IoBitmap {
  /** One bit per port and direction (VT-x: bitmap A/B, here read and write kept apart). */
  private readonly read = new Uint8Array(65536 >> 3);
  private readonly write = new Uint8Array(65536 >> 3);

  set(port: number, dir: number, on: boolean): void {
    const map = dir === DIR_READ ? this.read : this.write;
    const byte = port >> 3;
    const bit = 1 << (port & 7);
    map[byte] = on ? map[byte] | bit : map[byte] & ~bit;
  }

  has(port: number, dir: number): boolean {
    const map = dir === DIR_READ ? this.read : this.write;
    return (map[port >> 3] & (1 << (port & 7))) !== 0;
  }

  /** Every trapped port, as "0x20w" / "0x71r" strings, ascending (for reports and tests). */
  list(): string[] {
    const out: string[] = [];
    for (let p = 0; p < 65536; p++) {
      if (this.has(p, DIR_READ) && this.has(p, DIR_WRITE)) out.push(`${hex(p)}rw`);
      else if (this.has(p, DIR_READ)) out.push(`${hex(p)}r`);
      else if (this.has(p, DIR_WRITE)) out.push(`${hex(p)}w`);
    }
    return out;
  }
}

export class Intercepts implements BusObserver {
  readonly bitmap = new IoBitmap();
  /** Trapped MMIO pages (EPT: the page is made non-present for the guest). */
  private readonly mmioPages = new Set<number>();
  private readonly portHandlers = new Map<number, AccessHandler>();
  private readonly pageHandlers = new Map<number, AccessHandler>();
  private readonly exitCounts = new Map<string, number>();
  private totalExits = 0;
  private attached = false;
  /** The one TrappedAccess every handler is given, filled in per exit. */
  private readonly current: { -readonly [K in keyof TrappedAccess]: TrappedAccess[K] } = {
    space: 0, dir: 0, addr: 0, size: 0, value: 0, icount: 0, guest: false,
  };

  constructor(
    private readonly bus: Bus,
    private readonly clock: Clock,
  ) {}

  attach(): void {
    if (this.attached) return;
    this.bus.addObserver(this);
    this.attached = true;
  }

  detach(): void {
    if (!this.attached) return;
    this.bus.removeObserver(this);
    this.attached = false;
  }

  /** Route accesses to `port` (either direction, when trapped) to `handler`. */
  onPort(port: number, handler: AccessHandler): void {
    this.portHandlers.set(port, handler);
  }

  trapPort(port: number, dir: number, on = true): void {
    this.bitmap.set(port, dir, on);
  }

  trapPage(addr: number, handler: AccessHandler): void {
    const page = addr >>> PAGE_SHIFT;
    this.mmioPages.add(page);
    this.pageHandlers.set(page, handler);
  }

  untrapPage(addr: number): void {
    const page = addr >>> PAGE_SHIFT;
    this.mmioPages.delete(page);
    this.pageHandlers.delete(page);
  }

  /** VM exits so far, by device name. */
  exits(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of [...this.exitCounts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) out[k] = v;
    return out;
  }

  get total(): number {
    return this.totalExits;
  }

  trappedPorts(): string[] {
    return this.bitmap.list();
  }

  trappedPages(): number[] {
    return [...this.mmioPages].sort((a, b) => a - b).map((p) => p << PAGE_SHIFT);
  }

  access(space: number, dir: number, addr: number, size: number, value: number, device: number, origin: number): void {
    let handler: AccessHandler | undefined;
    let trapped: boolean;
    if (space === SPACE_PIO) {
      trapped = this.bitmap.has(addr, dir);
      if (!trapped) return;
      handler = this.portHandlers.get(addr);
    } else {
      if (this.mmioPages.size === 0) return; // the usual case: no page is trapped
      const page = addr >>> PAGE_SHIFT;
      trapped = this.mmioPages.has(page);
      if (!trapped) return;
      handler = this.pageHandlers.get(page);
    }
    const guest = origin === ORIGIN_GUEST;
    if (guest) {
      const name = this.bus.deviceNames[device] ?? 'unmapped';
      this.exitCounts.set(name, (this.exitCounts.get(name) ?? 0) + 1);
      this.totalExits++;
    }
    if (handler === undefined) return;
    const a = this.current;
    a.space = space;
    a.dir = dir;
    a.addr = addr;
    a.size = size;
    a.value = value;
    a.icount = this.clock.icount;
    a.guest = guest;
    handler(a);
  }

  dma(): void {
    // DMA is not intercepted (BLMVisor passes devices through); the NIC driver reads rings itself.
  }
}

export { DIR_READ, DIR_WRITE, SPACE_MMIO, SPACE_PIO };
