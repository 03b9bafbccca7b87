/**
 * The apic guest (guests/src/apic.c): LAPIC bring-up, the LAPIC timer (periodic and
 * one-shot) with EOI, TPR holding an interrupt off, the PIT's IRQ0 through IOAPIC pin 2.
 * It prints only counts and register values, never times, so migtrace and QEMU (-machine pc,
 * qemu-run.sh's default machine) must print the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { EXIT_FAILURE, EXIT_SUCCESS } from './expectations.js';
import { haveQemu, runMachine, runQemu, type GuestRun } from './harness.js';

function expected(n: number, count: number, pit: number): string {
  return (
    'apic: lapic id 0 version 0x14 max lvt 5 svr 0x1ff\n' +
    'apic: lvt lint0 0x00010700 lint1 0x00000400 error 0x000000fe esr 0x0\n' +
    `apic: timer lvt 0x00020040 divide 0x3 initial ${count}\n` +
    `apic: timer periodic: ${n} interrupts, vector 0x40, in service in handler 1, current count after stop 0\n` +
    'apic: timer one-shot: 1 interrupt, current count after expiry 0\n' +
    'apic: tpr 0x50: ppr 0x50, timer in irr 1, delivered 0\n' +
    'apic: tpr 0x40: timer in irr 1, delivered 0\n' +
    'apic: tpr 0x30: delivered 1, irr 0 isr 0 after eoi\n' +
    'apic: ioapic id 0, 24 redirection entries, pin 2 before: 0x00010000\n' +
    `apic: pin 2 entry 0x0000000000000030: ${pit} pit interrupts at vector 0x30; masked: 0x0000000000010030\n` +
    'apic: lapic timer interrupts while the pit ran: 0\n' +
    'apic: all checks passed (0 spurious, 0 error interrupts)\n'
  );
}

const cases = [
  { n: 50, count: 10000, pit: 20, args: undefined }, // the image's defaults
  // Not much shorter periods: QEMU's TCG timers cannot keep up with a 256 ns LAPIC timer.
  { n: 3, count: 1000, pit: 1, args: 'n=3 count=1000 pit=1' },
  { n: 200, count: 100000, pit: 100, args: 'n=200 count=100000 pit=100' },
];

describe.each(cases)('apic n=$n count=$count pit=$pit', ({ n, count, pit, args }) => {
  const want = expected(n, count, pit);
  let machineRun: GuestRun | undefined;

  it('on migtrace', async (ctx) => {
    const run = await runMachine('apic', args);
    expect(run.status, run.message).toBe('exited');
    expect(run.serial).toBe(want);
    expect(run.exitStatus).toBe(EXIT_SUCCESS);
    // n periods of count × 16 bus clocks (one per instruction) at least.
    expect(run.icount!).toBeGreaterThan(n * count * 16);
    machineRun = run;
  });

  it('under QEMU, the same bytes as migtrace', (ctx) => {
    if (!haveQemu) {
      console.log('skipping QEMU run: qemu-system-i386 not found');
      ctx.skip();
    }
    const run = runQemu('apic', args);
    expect(run.serial).toBe(want);
    expect(run.exitStatus).toBe(EXIT_SUCCESS);
    if (machineRun) expect(run.serial).toBe(machineRun.serial);
  });
});

describe('apic on migtrace', () => {
  it('is deterministic: two runs take the same instruction count', async (ctx) => {
    const a = await runMachine('apic', 'n=5 pit=3');
    const b = await runMachine('apic', 'n=5 pit=3');
    expect(a.serial).toBe(b.serial);
    expect(a.icount).toBe(b.icount);
  });

  it('rejects bad arguments', async (ctx) => {
    const bad = await runMachine('apic', 'n=0');
    expect(bad.serial).toBe('apic: n and pit must be at least 1, count at least 16\n');
    expect(bad.exitStatus).toBe(EXIT_FAILURE);
  });
});
