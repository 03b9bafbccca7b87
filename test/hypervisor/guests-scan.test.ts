import { describe, expect, it } from 'vitest';
import { bootWithHypervisor, essential, finish, migrate, reference, type GuestSetup } from './helpers.js';

const setups: GuestSetup[] = [
  { guest: 'hello' },
  { guest: 'rtc' },
  { guest: 'serial-echo', input: 'serial-echo.input' },
  { guest: 'net-echo', input: 'net-echo.input' },
  { guest: 'disk' },
  { guest: 'apic' },
];

describe.each(setups)('$guest', (setup) => {
  it.each([0.3, 0.6])('at %s of the run', (f) => {
    const ref = reference(setup);
    const { machine, hv } = bootWithHypervisor(setup);
    machine.run({ maxInstructions: Math.floor(ref.icount * f) });
    const m = migrate(machine, hv, setup);
    console.log(setup.guest, f, '\n' + m.notes.join('\n'));
    console.log(m.diffs.map((d) => `${d.essential ? 'E' : 'n'} ${d.path} ${d.source} ${d.destination}`).join('\n'));
    const out = finish(m.dest);
    expect(m.serialBefore + out.serial).toBe(ref.serial);
    expect([...m.framesBefore, ...out.frames].map((x) => Buffer.from(x).toString('hex'))).toEqual(ref.frames.map((x) => Buffer.from(x).toString('hex')));
    expect(essential(m.diffs)).toEqual([]);
  });
});
