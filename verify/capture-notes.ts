/**
 * What the migration knew about a field that came out wrong, from the destination trace's
 * record of what the source captured and sent (src/trace/switch-over-capture.ts — data, not
 * the hypervisor's code). Added to a switch-over difference's explanation:
 *
 *   pic.master.auto_eoi: reference 1, destination 0 (write-only config, set by ICW4 at icount
 *   N: the guest wrote 0x03 to port 0x21; not captured: the hypervisor attached late, at icount
 *   M, without a guest agent)
 *
 *   rtc.cmos_index: reference 0xa, destination 0xc (…; captured by shadow as 0xa: right when
 *   captured, the destination did not rebuild it)
 *
 * The reference's value at the switch-over is the source's (the same deterministic run), so
 * the captured value tells which half of the migration went wrong.
 */
import { PAGE_ROUND_STOP_AND_COPY, capturedField, type FieldProvenance, type SwitchOverCapture } from '../src/trace/switch-over-capture.js';
import { formatValue, type StateDifference } from './state-compare.js';
import type { CpuState } from '../src/machine/cpu/cpu.js';
import { cpuSnapshot } from '../src/machine/cpu/state.js';

const PROVENANCE_WORDS: Record<FieldProvenance, string> = {
  read: 'reading the register',
  shadow: 'shadow (the guest\'s trapped writes)',
  inferred: 'inference',
  agent: 'the guest agent',
  constant: 'a constant',
};

/** Why the source could not capture a field, as the record tells it. */
export function whyNotCaptured(c: SwitchOverCapture): string {
  const a = c.attach;
  if (a.mode === 'late') {
    return `the hypervisor attached late, at icount ${a.icount}, ${a.agent ? 'and the guest agent did not report it' : 'without a guest agent'}`;
  }
  return 'the source hypervisor could not learn it';
}

function judge(carried: unknown, d: StateDifference, what: { right: string; wrong: string }): string {
  if (carried === d.reference) return what.right;
  if (carried === d.destination) return what.wrong;
  return '';
}

/** A field of the carried CPU state by its difference path ("cpu.cs.limit"), as the CPU schema names it. */
function cpuLeaf(cpu: CpuState, path: string): unknown {
  return cpuSnapshot(cpu)[path.replace(/^cpu\./, '')];
}

function roundText(c: SwitchOverCapture, r: number): string {
  const round = c.rounds.find((x) => x.round === r);
  return round === undefined ? `pre-copy round ${r}` : `pre-copy round ${r} (the source ran icount ${round.startIcount}–${round.endIcount} meanwhile)`;
}

/**
 * What the hypervisor said about a field in its notes — the source's (after its "capture: ")
 * and, when the caller adds them, the destination's reconstruction notes — when a note starts
 * with the field's name ("uart.fifo_timeout_timer: inferred; not exactly reconstructible (…)",
 * "rtc.cmos[12]: …"): a residual it knew it could not capture, or rebuild, exactly.
 */
function sourceSaid(c: SwitchOverCapture, field: string, index?: number): string {
  const names = index === undefined ? [field] : [field, `${field}[${index}]`];
  const said: string[] = [];
  for (const n of c.notes.map((x) => x.replace(/^capture: /, ''))) {
    const name = names.find((f) => n.startsWith(`${f}: `));
    const text = name === undefined ? '' : n.slice(name.length + 2);
    if (text !== '' && !said.includes(text)) said.push(text);
  }
  return said.length === 0 ? '' : `; the hypervisor noted: ${said.join('; ')}`;
}

/** The note for one difference, or null when the record says nothing about it. */
export function captureNote(c: SwitchOverCapture, d: StateDifference): string | null {
  if (d.kind === 'device' && d.device !== undefined && d.field !== undefined) {
    const f = capturedField(c, d.device, d.field, d.index);
    if (f === null) return null;
    if (f.unknown) return `not captured: ${whyNotCaptured(c)}`;
    if (f.value === null) return null;
    const by = f.provenance === null ? 'captured' : `captured by ${PROVENANCE_WORDS[f.provenance]}`;
    const verdict = judge(f.value, d, { right: ': right when captured, the destination did not rebuild it', wrong: ': the capture was already wrong' });
    return `${by} as ${formatValue(f.value, d.width)}${verdict}${sourceSaid(c, `${d.device}.${d.field}`, d.index)}`;
  }
  if (d.kind === 'cpu' && d.path.startsWith('cpu.')) {
    const v = cpuLeaf(c.cpu, d.path);
    if (typeof v !== 'number') return null;
    const verdict = judge(v, d, { right: ': sent right, the destination did not load it', wrong: ': the source sent it wrong' });
    return `the CPU section carried ${formatValue(v, d.width)}${verdict}`;
  }
  if (d.kind === 'memory' && d.page !== undefined) {
    if (c.pageRounds === null) return c.strategy === 'postcopy' ? 'post-copy: the page came from the stopped source after the switch-over' : null;
    const r = c.pageRounds[d.page] ?? 0;
    if (r === 0) return 'the migration never sent this page';
    if (r === PAGE_ROUND_STOP_AND_COPY) return 'the migration sent it at the stop-and-copy';
    return `the migration last sent it in ${roundText(c, r)}, not at the stop-and-copy`;
  }
  return null;
}

/** Every field the source could not capture, as "device.field". */
export function uncapturedFields(c: SwitchOverCapture): string[] {
  return c.devices.flatMap((d) => d.unknown.map((f) => `${d.device}.${f}`));
}
