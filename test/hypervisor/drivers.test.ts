/**
 * The driver registry (src/hypervisor/drivers/index.ts) is what the hypervisor loops over:
 * every captured board device has exactly one driver, in board order; reconstruction ranks
 * are unique (they alone order the steps); each ISA line has at most one generator, from the
 * driver of the device that drives it; the fault catalog is the drivers' faults.
 */
import { describe, expect, it } from 'vitest';
import { MemoryDiskBacking } from '../../src/devices/disk-backing.js';
import { Machine } from '../../src/board/machine.js';
import { DRIVERS } from '../../src/hypervisor/drivers/index.js';
import { HYPERVISOR_FAULTS } from '../../src/hypervisor/faults.js';
import { BareMetalHypervisor, NOT_CAPTURED } from '../../src/hypervisor/hypervisor.js';
import { AGENT_FIELD_PORT, AGENT_VALUE_PORT } from '../../src/hypervisor/agent.js';

describe('hypervisor driver registry', () => {
  it('covers every captured board device exactly once, in board order (the slave disk included)', () => {
    const board = new Machine({ slaveDisk: new MemoryDiskBacking(new Uint8Array(64 * 512)) }).devices.map((d) => d.name).filter((n) => !NOT_CAPTURED.has(n));
    expect(DRIVERS.flatMap((d) => d.devices)).toEqual(board);
  });

  it('traps only ports its drivers declare from the board (and the agent ports)', () => {
    const hv = BareMetalHypervisor.attach(new Machine(), { agent: true });
    const declared = (port: number) => port === AGENT_FIELD_PORT || port === AGENT_VALUE_PORT
      || DRIVERS.some((d) => d.ports.some((r) => port >= r.base && port < r.base + r.count));
    const trapped = hv.interceptPolicy().ports.map((p) => parseInt(p, 16));
    expect(trapped.length).toBeGreaterThan(0);
    expect(trapped.filter((p) => !declared(p))).toEqual([]);
  });

  it('gives every reconstruction step its own rank', () => {
    const ranks = DRIVERS.flatMap((d) => d.reconstruct.map((s) => s.rank));
    expect(new Set(ranks).size).toBe(ranks.length);
  });

  it('has at most one line generator per ISA IRQ, each for a line its own device drives', () => {
    const lines = DRIVERS.filter((d) => d.irqLine !== undefined).map((d) => {
      expect(d.irqs).toContain(d.irqLine!.irq);
      return d.irqLine!.irq;
    });
    expect(new Set(lines).size).toBe(lines.length);
  });

  it('builds the fault catalog from the drivers, in the catalog order traces and reports use', () => {
    expect(HYPERVISOR_FAULTS.map((f) => f.name)).toEqual([
      'icw4-shadow-skipped', 'pic-isr-dropped', 'pic-request-dropped', 'pit-latch-lost', 'pit-flipflop-lost', 'cmos-index-forgotten',
      'rtc-time-stale', 'uart-divisor-dropped', 'ata-selected-drive-lost', 'ata-multiple-lost', 'nic-rx-pointer-off-by-one',
      'ioapic-redirection-forgotten', 'lapic-timer-not-rearmed', 'lapic-tpr-lost', 'i8042-a20-lost', 'i8042-command-byte-lost',
    ]);
    for (const d of DRIVERS) for (const f of d.faults) expect(d.devices).toContain(f.device);
  });
});
