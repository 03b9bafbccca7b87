/**
 * The rtc guest (guests/src/rtc.c): CMOS time in the firmware's format, n periodic
 * interrupts on IRQ8, then the time again in binary 24-hour, binary 12-hour and the original
 * format. On migtrace the time is the machine's start time advanced by virtual time, exact to
 * the second. QEMU runs with -rtc base=... and prints the same lines, give or take the
 * seconds (its clock starts with the process, before the BIOS).
 */
import { describe, expect, it } from 'vitest';
import { EXIT_SUCCESS } from './expectations.js';
import { haveQemu, runMachine, runQemu } from './harness.js';

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const pad = (v: number, n = 2) => String(v).padStart(n, '0');

function stamp(unix: number): string {
  const d = new Date(unix * 1000);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${WEEKDAYS[d.getUTCDay()]}`
  );
}

/** 12-hour binary hour byte: 1–12, bit 7 = PM. */
function hourByte12(unix: number): string {
  const h = new Date(unix * 1000).getUTCHours();
  return '0x' + (((h % 12) || 12) | (h >= 12 ? 0x80 : 0)).toString(16).padStart(2, '0');
}

/** What the guest prints for a clock read at `first`, then (after the interrupts) at `later`. */
function expected(first: number, later: number, rate: number, n: number): string {
  return (
    `rtc: ${stamp(first)} (BCD, 24-hour)\n` +
    `rtc: periodic interrupt rate ${rate} (${32768 >> (rate - 1)} Hz): ${n} interrupts, PF set in ${n}\n` +
    `rtc: ${stamp(later)} (binary, 24-hour)\n` +
    `rtc: ${stamp(later)} (binary, 12-hour, hour byte ${hourByte12(later)})\n` +
    `rtc: ${stamp(later)} (BCD, 24-hour)\n` +
    'rtc: done, the time survived 3 format switches\n'
  );
}

const utc = (s: string) => Date.parse(s + 'Z') / 1000;

/** The same lines with the seconds blanked, and the seconds read. */
function splitSeconds(serial: string): { text: string; seconds: number[] } {
  const seconds: number[] = [];
  const text = serial.replace(/(\d\d:\d\d):(\d\d) /g, (_m, hm: string, ss: string) => {
    seconds.push(Number(ss));
    return `${hm}:SS `;
  });
  return { text, seconds };
}

const cases = [
  // Default start 2026-01-01T00:00:00Z; 64 interrupts at 1024 Hz take 62.5 ms.
  { label: 'defaults', start: utc('2026-01-01T00:00:00'), args: undefined, rate: 6, n: 64, elapsed: 0 },
  // Two seconds of interrupts across the new year: every carry, the weekday included.
  { label: 'over the new year', start: utc('2026-12-31T23:59:59'), args: 'n=2048', rate: 6, n: 2048, elapsed: 2 },
  // 1 PM: the 12-hour hour byte has bit 7 set. 2 Hz: the third flag comes 1.5 s in.
  { label: 'in the afternoon', start: utc('2026-06-15T13:45:30'), args: 'rate=15 n=3', rate: 15, n: 3, elapsed: 1 },
];

describe.each(cases)('rtc $label', ({ start, args, rate, n, elapsed }) => {
  const want = expected(start, start + elapsed, rate, n);

  it('on migtrace: the configured start time, advanced by virtual time', async (ctx) => {
    const run = await runMachine('rtc', args, { rtcStart: start });
    expect(run.status, run.message).toBe('exited');
    expect(run.serial).toBe(want);
    expect(run.exitStatus).toBe(EXIT_SUCCESS);
  });

  it('under QEMU with -rtc base: the same lines, seconds within a few of ours', (ctx) => {
    if (!haveQemu) {
      console.log('skipping QEMU run: qemu-system-i386 not found');
      ctx.skip();
    }
    const base = new Date(start * 1000).toISOString().slice(0, 19);
    const run = runQemu('rtc', args, { extraArgs: `-rtc base=${base}` });
    expect(run.exitStatus).toBe(EXIT_SUCCESS);
    const [ourFirst, ...ourRest] = want.split('\n');
    const [theirFirst, ...theirRest] = run.serial.split('\n');
    // The first read comes right after QEMU's BIOS: up to a few seconds late, possibly
    // across a carry (the new-year case): compare its shape only.
    const shape = (line: string) => line.replace(/\d/g, '9').replace(/(Sun|Mon|Tue|Wed|Thu|Fri|Sat)/, 'Day');
    expect(shape(theirFirst)).toBe(shape(ourFirst));
    // The later reads: everything but the seconds, which may run a little ahead of ours.
    const ours = splitSeconds(ourRest.join('\n'));
    const theirs = splitSeconds(theirRest.join('\n'));
    expect(theirs.text).toBe(ours.text);
    for (const [i, sec] of theirs.seconds.entries()) {
      expect(sec).toBeGreaterThanOrEqual(ours.seconds[i]);
      expect(sec - ours.seconds[i]).toBeLessThanOrEqual(5);
    }
  });
});

describe('rtc under QEMU on the host clock', () => {
  it('prints a well-formed time in every format', (ctx) => {
    if (!haveQemu) ctx.skip();
    const run = runQemu('rtc');
    expect(run.exitStatus).toBe(EXIT_SUCCESS);
    const time = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (Sun|Mon|Tue|Wed|Thu|Fri|Sat)`;
    expect(run.serial).toMatch(
      new RegExp(
        `^rtc: ${time} \\(BCD, 24-hour\\)\n` +
          'rtc: periodic interrupt rate 6 \\(1024 Hz\\): 64 interrupts, PF set in 64\n' +
          `rtc: ${time} \\(binary, 24-hour\\)\n` +
          `rtc: ${time} \\(binary, 12-hour, hour byte 0x[0-9a-f]{2}\\)\n` +
          `rtc: ${time} \\(BCD, 24-hour\\)\n` +
          'rtc: done, the time survived 3 format switches\n$',
      ),
    );
  });
});
