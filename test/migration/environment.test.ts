import { describe, expect, it } from 'vitest';
import { resolveImage } from '../../src/guests/catalog.js';
import { GUEST_ARGS_OFFSET, Machine } from '../../src/board/machine.js';
import { destinationMachine, environmentOf, setupOf } from '../../src/migration/environment.js';
import { bootMachine } from '../../src/trace/run-setup.js';
import type { PbMachine } from '../../src/migration/stream.js';

describe('migration environment', () => {
  it('boots from a Buffer image (a trace blob) without patching the arguments into it', () => {
    // Buffer.slice() is a view, not a copy: the source's ENVIRONMENT once carried a patched image.
    const image = Buffer.from(resolveImage('memtouch').bytes);
    const before = Buffer.from(image);
    bootMachine({ label: 'memtouch', image, args: 'mb=2 passes=1' });
    expect(image.equals(before)).toBe(true);
    expect(image[GUEST_ARGS_OFFSET]).toBe(0);
  });

  it('describes the setup so that a destination builds the same machine and setup back', () => {
    const image = resolveImage('memtouch').bytes;
    const setup = { label: 'memtouch', image, args: 'mb=2', memory: 16 << 20 };
    const env = environmentOf(setup, 1234, 'exited');
    const source: PbMachine = {
      memoryBytes: 16 << 20,
      instructionsPerSecond: 100_000_000,
      devices: [],
      link: null,
      strategy: 1,
      startIcount: 0,
      thresholdBytes: 0,
      maxRounds: 1,
      prepagePages: 0,
      faults: [],
      machineType: { name: 'migtrace-pc', version: 1 },
    };
    const back = setupOf(env, source);
    expect(back).toMatchObject({ label: 'memtouch', args: 'mb=2', memory: 16 << 20, rtcStart: env.rtcStart });
    expect(Buffer.from(back.image).equals(Buffer.from(image))).toBe(true);
    const m = destinationMachine(source, env, 32 << 20);
    expect(m).toBeInstanceOf(Machine);
    expect(m.memory.size).toBe(32 << 20);
    // Nothing is loaded: the destination's memory comes from the stream.
    expect(m.memory.ram.some((b) => b !== 0)).toBe(false);
  });
});
