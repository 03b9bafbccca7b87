/**
 * Pairs that cannot be compared are refused before anything runs, each with one line that
 * names both sides (InputError: exit status 2).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { verifyTraces } from '../../verify/verify.js';
import { recordReference, tempDir } from './recorder.js';
import { HELLO, TIMER, destination, reference } from './helpers.js';

async function refusal(ref: string, dst: string): Promise<InputError> {
  const err = await verifyTraces(ref, dst).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  expect((err as Error).message).not.toContain('\n');
  return err as InputError;
}

describe('verify refuses pairs it cannot compare', () => {
  it('traces of different guests', async () => {
    const ref = await reference(HELLO);
    const err = await refusal(ref.dir, await destination(TIMER, 3_000_000));
    expect(err.code).toBe('DIFFERENT_GUESTS');
    expect(err.message).toMatch(/reference hello \(image [0-9a-f]{12}, args ""\), destination timer \(image [0-9a-f]{12}, args "hz=1000/);
  });

  it('the same guest with other arguments', async () => {
    const ref = await reference(TIMER);
    const err = await refusal(ref.dir, await destination({ ...TIMER, args: 'hz=500 every=100 ticks=200 eoi=auto' }, 3_000_000));
    expect(err.code).toBe('DIFFERENT_GUESTS');
  });

  it('different machine configurations (a destination with less memory)', async () => {
    const ref = await reference(HELLO);
    const err = await refusal(ref.dir, await destination({ ...HELLO, memory: 32 * 1024 * 1024 }, 100_000));
    expect(err.code).toBe('DIFFERENT_MACHINES');
    expect(err.message).toMatch(/the destination has 33554432 bytes of RAM, less than the reference's 67108864/);
  });

  it('a destination trace without a migration event', async () => {
    const ref = await reference(HELLO);
    const err = await refusal(ref.dir, await destination(HELLO, 100_000, () => {}, { migrationEvent: false }));
    expect(err.code).toBe('NOT_A_DESTINATION');
    expect(err.message).toMatch(/has no migration event: it is not the destination of a migration/);
  });

  it('a reference given as its own destination is the same trace twice', async () => {
    const ref = await reference(HELLO);
    expect((await refusal(ref.dir, ref.dir)).code).toBe('SAME_TRACE');
  });

  it('a reference that ends before the destination', async () => {
    const short = path.join(tempDir('short'), 'trace');
    await recordReference(short, HELLO, { until: 150_000 });
    const err = await refusal(short, await destination(HELLO, 100_000));
    expect(err.code).toBe('REFERENCE_TOO_SHORT');
    expect(err.message).toMatch(/the reference ends at icount 150000, before the destination \(icount \d+\)/);
  });

  it('a directory that is not a trace', async () => {
    const ref = await reference(HELLO);
    const err = await refusal(ref.dir, tempDir('empty'));
    expect(err.message).toMatch(/^destination: /);
  });
});
