/**
 * A guest image under QEMU TCG with `-icount shift=0` (one instruction per virtual ns), run
 * headless by guests/qemu-run.sh as the guest tests run it, and its CPU time measured: bash's
 * `time` reports the user + system time of everything it waited for (getrusage of children:
 * the script, `timeout` and QEMU with all its threads). QEMU's own start (SeaBIOS, loading the
 * image) is taken out by subtracting a short run of the same image.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/guests/catalog.js';

export const QEMU = 'qemu-system-i386';

export function haveQemu(): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, QEMU)));
}

const MARK = 'MIGTRACE_QEMU_CPU';

/** CPU seconds of one complete QEMU run of `image` (guests/build/NAME.img) with `args`; it must exit with status 1. */
export function qemuCpuSeconds(image: string, args?: string): number {
  const root = packageRoot();
  const script = join(root, 'guests', 'qemu-run.sh');
  const command = `TIMEFORMAT='${MARK} %3U %3S'; time bash "$0" "$@"`;
  const argv = ['-c', command, script, join(root, 'guests', image), ...(args === undefined ? [] : [args])];
  const env: NodeJS.ProcessEnv = { ...process.env, QEMU_EXTRA_ARGS: '-icount shift=0', QEMU_TIMEOUT: '300' };
  delete env.QEMU_INPUT;
  delete env.QEMU_INPUT_AFTER;
  const r = spawnSync('bash', argv, { encoding: 'latin1', env, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 1) throw new Error(`${QEMU} ${image} ${args ?? ''}: exit status ${r.status}\n${r.stderr}`);
  const line = r.stderr.split('\n').find((l) => l.startsWith(MARK));
  const m = line?.match(/^\S+ ([\d.]+) ([\d.]+)$/);
  if (!m) throw new Error(`no CPU time from bash's time for ${image}:\n${r.stderr}`);
  return Number(m[1]) + Number(m[2]);
}

/** The least CPU time of `runs` runs (the one the host disturbed least). */
export function bestQemuCpuSeconds(image: string, args: string | undefined, runs: number): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) best = Math.min(best, qemuCpuSeconds(image, args));
  return best;
}
