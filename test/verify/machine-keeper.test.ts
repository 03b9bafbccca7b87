/**
 * MachineKeeper takes a machine back to a saved point — into the same machine (dirty pages
 * copied back) or, once the guest has exited, into a fresh one built from scratch.
 */
import { describe, expect, it } from 'vitest';
import { captureMachineSnapshot } from '../../src/trace/machine-snapshot.js';
import { MachineKeeper } from '../../verify/machine-state.js';
import { bootGuest } from './recorder.js';
import { HELLO } from './helpers.js';

function sameMachine(a: ReturnType<typeof captureMachineSnapshot>, b: ReturnType<typeof captureMachineSnapshot>): void {
  expect(b.icount).toBe(a.icount);
  expect(b.cpu).toEqual(a.cpu);
  expect(b.devices).toEqual(a.devices);
  expect([...b.pages]).toEqual([...a.pages]);
  expect(Buffer.from(b.pageData).equals(Buffer.from(a.pageData))).toBe(true);
}

describe('MachineKeeper', () => {
  it('goes back to the saved point in the same machine', () => {
    const m = bootGuest(HELLO);
    m.run({ maxInstructions: 50_000 });
    const keeper = new MachineKeeper(m);
    const saved = captureMachineSnapshot(m);
    m.run({ maxInstructions: 120_000 });
    const later = captureMachineSnapshot(m);
    sameMachine(saved, captureMachineSnapshot(keeper.restore()));
    // and runs on exactly as it did
    m.run({ maxInstructions: 120_000 });
    sameMachine(later, captureMachineSnapshot(m));
  });

  it('restores into a fresh machine once the guest has exited, clearing what the fresh machine holds where the saved point had zeros', () => {
    const m = bootGuest(HELLO);
    m.run({ maxInstructions: 50_000 });
    const keeper = new MachineKeeper(m);
    const saved = captureMachineSnapshot(m);
    expect(m.run().status).toBe('exited');
    // A fresh machine is not all zeros (its boot image, say): page 0x300 stands for that here.
    const fresh = keeper.restore(() => {
      const f = bootGuest(HELLO);
      f.memory.page(0x300).fill(0xaa);
      return f;
    });
    expect(fresh).not.toBe(m);
    expect(fresh.memory.page(0x300).every((b) => b === 0)).toBe(true);
    sameMachine(saved, captureMachineSnapshot(fresh));
    expect(fresh.run().status).toBe('exited');
    expect(fresh.serialText.length).toBeGreaterThan(0);
    expect(m.serialText.endsWith(fresh.serialText)).toBe(true); // the same output from the point on
  });
});
