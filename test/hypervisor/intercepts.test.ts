/**
 * The intercept policy: only the ports behind write-only state are trapped (BLMVisor 4.4.1),
 * some only while the device's state makes them matter; MMIO (IOAPIC, LAPIC, the NIC's
 * registers) is never trapped. VM exits are counted per device.
 */
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/board/machine.js';
import { guestImage } from '../guests/expectations.js';
import { bootWithHypervisor, machineOptions, reference, type GuestSetup } from './helpers.js';
import { checkFaults, HYPERVISOR_FAULTS } from '../../src/hypervisor/faults.js';
import { HypervisorError } from '../../src/hypervisor/errors.js';
import { BareMetalHypervisor } from '../../src/hypervisor/hypervisor.js';

/** Every guest port access of a run, by device (what a trap-everything hypervisor would exit on). */
function accessesByDevice(setup: GuestSetup): Record<string, number> {
  const m = Machine.boot(guestImage(setup.guest), machineOptions(setup));
  const out: Record<string, number> = {};
  m.bus.addObserver({
    access: (space, _dir, _addr, _size, _value, device) => {
      const name = `${space === 0 ? 'pio' : 'mmio'}:${m.bus.deviceNames[device]}`;
      out[name] = (out[name] ?? 0) + 1;
    },
    dma: () => {},
  });
  m.run({ maxInstructions: 2_000_000_000 });
  return out;
}

describe('intercept policy and VM exits', () => {
  it('traps only write-only ports at power-on: 8259A command ports, 8254, port 0x61, CMOS index, UART writes, ATA command block, POST', () => {
    const { hv } = bootWithHypervisor({ guest: 'hello' });
    const policy = hv.interceptPolicy();
    expect(policy.mmioPages).toEqual([]);
    for (const p of ['0x20w', '0xa0w', '0x40rw', '0x43w', '0x61w', '0x70w', '0x71w', '0x3f8w', '0x3faw', '0x1f7w', '0x3f6w', '0x80w']) {
      expect(policy.ports).toContain(p);
    }
    // Not trapped: readable registers' reads, the 8259A data port outside an ICW sequence, the
    // ATA data port outside a transfer, PCI configuration, the IOAPIC/LAPIC/NIC MMIO.
    for (const p of ['0x21w', '0xa1w', '0x20r', '0x1f0rw', '0x1f0r', '0xcf8w', '0xcfcw', '0x3fdr']) expect(policy.ports).not.toContain(p);
  });

  it('counts VM exits per device, far fewer than the accesses (timer guest: EOIs dominate, as BLMVisor 4.6 says)', () => {
    const setup: GuestSetup = { guest: 'timer' };
    const all = accessesByDevice(setup);
    const { machine, hv } = bootWithHypervisor(setup);
    machine.run({ maxInstructions: reference(setup).icount });
    const exits = hv.exits();
    expect(exits['pic.master']).toBeGreaterThan(500); // every EOI (OCW2 at 0x20) exits
    expect(exits['pic.master']).toBeLessThan(all['pio:pic.master']);
    expect(exits.pit).toBeGreaterThan(0);
    expect(exits.rtl8169 ?? 0).toBe(0);
    expect(exits.ioapic ?? 0).toBe(0);
    expect(exits.lapic ?? 0).toBe(0);
    const total = Object.values(exits).reduce((a, b) => a + b, 0);
    const accesses = Object.values(all).reduce((a, b) => a + b, 0);
    expect(total).toBeLessThan(accesses);
    console.log('timer guest: VM exits', exits, `total ${total} of ${accesses} device accesses`);
  });

  it('a NIC guest takes no VM exits for its NIC or APICs (no write-only state there)', () => {
    const setup: GuestSetup = { guest: 'net-echo', input: 'net-echo.input' };
    const { machine, hv } = bootWithHypervisor(setup);
    machine.run({ maxInstructions: reference(setup).icount });
    const exits = hv.exits();
    expect(exits.rtl8169 ?? 0).toBe(0);
    expect(exits.ioapic ?? 0).toBe(0);
    expect(exits.lapic ?? 0).toBe(0);
    console.log('net-echo guest: VM exits', exits);
  });

  it('traps 0x71 only while the CMOS index selects a register that needs it', () => {
    const { machine, hv } = bootWithHypervisor({ guest: 'hello' });
    machine.bus.pioWrite(0x70, 1, 0x32); // NVRAM byte: no trap on 0x71
    expect(hv.interceptPolicy().ports).not.toContain('0x71w');
    machine.bus.pioWrite(0x70, 1, 0x0c); // register C: reads clear it
    expect(hv.interceptPolicy().ports).toContain('0x71r');
  });

  it('refuses an unknown fault name, and lists the catalog', () => {
    expect(() => checkFaults(new Set(['no-such-fault']))).toThrow(HypervisorError);
    try {
      BareMetalHypervisor.attach(Machine.boot(guestImage('hello')), { faults: new Set(['typo']) });
    } catch (e) {
      expect((e as HypervisorError).code).toBe('HV_UNKNOWN_FAULT');
    }
    expect(HYPERVISOR_FAULTS.map((f) => f.name)).toEqual([
      'icw4-shadow-skipped', 'pic-isr-dropped', 'pic-request-dropped', 'pit-latch-lost', 'pit-flipflop-lost', 'cmos-index-forgotten',
      'rtc-time-stale', 'uart-divisor-dropped', 'ata-selected-drive-lost', 'ata-multiple-lost', 'nic-rx-pointer-off-by-one',
      'ioapic-redirection-forgotten', 'lapic-timer-not-rearmed', 'lapic-tpr-lost', 'i8042-a20-lost', 'i8042-command-byte-lost',
    ]);
  });
});
