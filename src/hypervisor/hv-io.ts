/**
 * How the hypervisor itself touches the machine: port and MMIO accesses on the one bus,
 * marked ORIGIN_HYPERVISOR (so traces tell them from the guest's), and guest-physical memory
 * (identity-mapped, as BLMVisor's hypervisor has it, 4.7.2). Virtual time passes only through
 * Machine.advancePaused: the guest stays stopped while the hypervisor waits for a device.
 *
 * Never the device objects: no oracle(), state, snapshot() or restore() (DESIGN.md, "One bus").
 */
import type { Machine } from '../board/machine.js';

export class HvIo {
  /** Instructions of virtual time that passed, guest paused, while the hypervisor waited. */
  paused = 0;
  /** Port and MMIO accesses made through this object (reconstruction charges them: docs/migration-figures.md). */
  accesses = 0;

  constructor(readonly machine: Machine) {}

  get now(): number {
    return this.machine.clock.icount;
  }

  get hz(): number {
    return this.machine.clock.hz;
  }

  in8(port: number): number {
    this.accesses++;
    const bus = this.machine.bus;
    return bus.asHypervisor(() => bus.pioRead(port, 1));
  }

  out8(port: number, value: number): void {
    this.accesses++;
    const bus = this.machine.bus;
    bus.asHypervisor(() => bus.pioWrite(port, 1, value & 0xff));
  }

  in32(port: number): number {
    this.accesses++;
    const bus = this.machine.bus;
    return bus.asHypervisor(() => bus.pioRead(port, 4));
  }

  out32(port: number, value: number): void {
    this.accesses++;
    const bus = this.machine.bus;
    bus.asHypervisor(() => bus.pioWrite(port, 4, value >>> 0));
  }

  in16(port: number): number {
    this.accesses++;
    const bus = this.machine.bus;
    return bus.asHypervisor(() => bus.pioRead(port, 2));
  }

  out16(port: number, value: number): void {
    this.accesses++;
    const bus = this.machine.bus;
    bus.asHypervisor(() => bus.pioWrite(port, 2, value & 0xffff));
  }

  mmioRead(addr: number, size: number): number {
    this.accesses++;
    const bus = this.machine.bus;
    return bus.asHypervisor(() => bus.mmioRead(addr, size));
  }

  mmioWrite(addr: number, size: number, value: number): void {
    this.accesses++;
    const bus = this.machine.bus;
    bus.asHypervisor(() => bus.mmioWrite(addr, size, value));
  }

  readMemory(addr: number, length: number): Uint8Array {
    return this.machine.memory.readBytes(addr >>> 0, length);
  }

  writeMemory(addr: number, data: Uint8Array): void {
    this.machine.memory.writeBytes(addr >>> 0, data);
  }

  read32(addr: number): number {
    const b = this.readMemory(addr, 4);
    return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  }

  write32(addr: number, value: number): void {
    this.writeMemory(addr, Uint8Array.of(value, value >>> 8, value >>> 16, value >>> 24));
  }

  /** Let virtual time pass with the guest stopped (device timers fire). */
  wait(instructions: number): void {
    if (instructions <= 0) return;
    this.machine.advancePaused(instructions);
    this.paused += instructions;
  }

  /** Wait until the clock reads `icount` (no-op if it already does or is past it). */
  waitUntil(icount: number): void {
    this.wait(icount - this.now);
  }
}
