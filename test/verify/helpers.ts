/** Shared references for the verifier tests: one recording per guest configuration per test file. */
import path from 'node:path';
import { TraceReader } from '../../src/trace/reader.js';
import { ROOT } from '../cli/cli.js';
import { fabricateDestination, recordReference, tempDir, type GuestSpec, type RecordOptions } from './recorder.js';
import type { Machine } from '../../src/board/machine.js';
import { verifyTraces, type VerifyReport } from '../../verify/verify.js';

export const TIMER: GuestSpec = { guest: 'timer', args: 'hz=1000 every=100 ticks=200 eoi=auto' };
export const RTC: GuestSpec = { guest: 'rtc' };
export const HELLO: GuestSpec = { guest: 'hello' };
export const APIC: GuestSpec = { guest: 'apic', args: 'n=10 pit=10' };
export const NET: GuestSpec = { guest: 'net-echo', input: path.join(ROOT, 'guests', 'inputs', 'net-echo.input') };
export const MEMTOUCH: GuestSpec = { guest: 'memtouch' };

export interface Reference {
  readonly dir: string;
  readonly end: number;
}

const refs = new Map<string, Promise<Reference>>();

/** The reference recording of `spec` (recorded once per test file). */
export function reference(spec: GuestSpec): Promise<Reference> {
  const key = JSON.stringify(spec);
  let r = refs.get(key);
  if (r === undefined) {
    r = (async () => {
      const dir = path.join(tempDir('ref'), 'trace');
      await recordReference(dir, spec);
      return { dir, end: await endIcount(dir) };
    })();
    refs.set(key, r);
  }
  return r;
}

export async function endIcount(dir: string): Promise<number> {
  const r = await TraceReader.open(dir);
  try {
    if (!r.status.complete) throw new Error(`${dir} is incomplete`);
    return r.status.finalIcount;
  } finally {
    await r.close();
  }
}

/** A destination migrated at `at` with `perturb` applied, run to the reference's end. */
export async function destination(
  spec: GuestSpec,
  at: number,
  perturb: (m: Machine) => void = () => {},
  options: RecordOptions & { blob?: boolean; migrationEvent?: boolean } = {},
): Promise<string> {
  const ref = await reference(spec);
  const dir = path.join(tempDir('dst'), 'trace');
  await fabricateDestination(dir, spec, at, perturb, { until: ref.end, ...options });
  return dir;
}

/** Record (once), fabricate and verify. */
export async function verifyPerturbed(spec: GuestSpec, at: number, perturb: (m: Machine) => void, options: RecordOptions = {}): Promise<VerifyReport> {
  const ref = await reference(spec);
  return verifyTraces(ref.dir, await destination(spec, at, perturb, options));
}

/** Change the CPU state through setState (a migration that carried a register wrong). */
export function setCpu(m: Machine, change: (s: ReturnType<Machine['cpu']['getState']>) => ReturnType<Machine['cpu']['getState']>): void {
  m.cpu.setState(change(m.cpu.getState()));
}
