/**
 * Which of several state differences the others follow from. When a migration loses a
 * device's interrupt state, the interrupt controllers downstream differ too — and the PIC's
 * `last_irr` comes first in device order — so the verifier would name a consequence. This
 * module marks every difference as a root or as following from one, and orders roots first.
 *
 * The rule, with the wiring read from the board (src/board/layout.ts: `BOARD`, `isaIrqToGsi`):
 *
 * 1. **Interrupt inputs follow their producers.** A difference in a consumer's request state
 *    for one input —
 *    - an 8259A's `irr`, `last_irr` or `isr` bit for an IR (ISA IRQ n on the master's IR n
 *      below 8, the slave's IR n−8 above; the master's cascade IR is the slave's INT),
 *    - the IOAPIC's `pin_level` bit, or a redirection entry whose only differing bit is
 *      Remote IRR, for a pin (`isaIrqToGsi`),
 *    - a LAPIC `irr`, `isr` or `tmr` bit for a vector: the vector of an IOAPIC pin's
 *      redirection entry or the 8259A's `irq_base` + IR, as the reference has them,
 *    - the LAPIC's `lint0_level` (the master 8259A's INT) —
 *    follows from a differing *producer*: a device that drives that line whose
 *    interrupt-related state differs (an ATA drive's `irq_pending`, `status`, `select`, nIEN;
 *    the UART's IER, IIR and pending indications; the PIT's channel 0; the RTC's registers
 *    A–C and timers; the NIC's IntrStatus/IntrMask; the 8042's status and command byte; for
 *    a LAPIC vector, also the IOAPIC entry that sends it). Every differing bit of the field
 *    must be explained so; otherwise the field stays a root.
 * 2. **A line level follows its device.** A difference in a field of role `line` (schema) is
 *    never the root when an essential field of the same device differs.
 *
 * A consequence's `follows` names the root at the end of the chain (ata0.slave.status →
 * ata0.slave.irq_pending → pic.slave.irr → pic.master.irr names ata0.slave.status for all
 * three), and `because` says which wire. Not modelled: memory pages written by a differing
 * device's DMA (a page difference is always a root), and the CPU (it has no pending-interrupt
 * field; a CPU difference is always a root).
 */
import { BOARD, isaIrqToGsi } from '../src/board/layout.js';
import { ATA_MASTER_NAME, ATA_SLAVE_NAME } from '../src/devices/ata-disk.js';
import { REDIR_REMOTE_IRR } from '../src/devices/ioapic.js';
import { hex } from '../src/hex.js';
import type { DeviceState, StateDifference } from './state-compare.js';

/** What the ordering adds to a difference (JSON output gains these fields; none is renamed). */
export interface RootCauseMark {
  /** Nothing else among the differences explains this one. */
  readonly root: boolean;
  /** A consequence: the root it follows from (a path among the differences). */
  readonly follows?: string;
  /** Why, in a few words: "IRQ14's line", "vector 0x3e (IRQ11)". */
  readonly because?: string;
}

export type Marked<T extends StateDifference> = T & RootCauseMark;

const PIC_MASTER = 'pic.master';
const PIC_SLAVE = 'pic.slave';
const IOAPIC = 'ioapic';
const LAPIC = 'lapic';

/** A field (element) of a producer that can change what it drives on its line. */
type Related = (field: string, index: number | undefined) => boolean;

const fields = (...names: string[]): Related => {
  const set = new Set(names);
  return (f) => set.has(f);
};

const PIT_OUT_FIELDS = new Set(['count', 'mode', 'bcd', 'gate', 'count_load_time', 'active_count', 'counting', 'cr_pending', 'gate_fall_time']);

/** The devices that drive each ISA IRQ line, from the board's wiring, and which of their state is interrupt-related. */
const LINE_SOURCES: readonly { readonly irq: number; readonly devices: readonly string[]; readonly related: Related }[] = [
  // Channel 0's OUT is IRQ0: what its counting element runs with (per-channel arrays, index 0) and its timer; not the read-back latches.
  { irq: BOARD.pit.irq, devices: ['pit'], related: (f, i) => f === 'irq_level' || f === 'next_transition_time' || (i === 0 && PIT_OUT_FIELDS.has(f)) },
  // IRQ8 is register C's IRQF, from registers A (rate) and B (enables) and the update/periodic timers.
  { irq: BOARD.rtc.irq, devices: ['rtc'], related: (f, i) => (f === 'cmos' ? i === 0x0a || i === 0x0b || i === 0x0c : f === 'update_timer' || f === 'periodic_timer' || f === 'divider_phase') },
  // 16550 INTRPT: IER enables, IIR/LSR/MSR conditions, FIFO levels and timers; MCR OUT2 gates it on a PC.
  { irq: BOARD.uart.irq, devices: ['uart'], related: fields('ier', 'iir', 'fcr', 'mcr', 'lsr', 'msr', 'rx_count', 'tx_count', 'thr_ipending', 'timeout_ipending', 'transmit_timer', 'fifo_timeout_timer') },
  { irq: BOARD.i8042.irq, devices: ['i8042'], related: fields('status', 'command_byte') },
  { irq: BOARD.i8042.auxIrq, devices: ['i8042'], related: fields('status', 'command_byte') },
  // INTRQ is driven by the selected drive: its pending interrupt, nIEN, and what completes a command.
  { irq: BOARD.ata.irq, devices: [ATA_MASTER_NAME, ATA_SLAVE_NAME], related: fields('irq_pending', 'devctl', 'status', 'select', 'command', 'xfer_phase', 'busy_timer') },
  { irq: BOARD.nic.irq, devices: ['rtl8169'], related: fields('intr_status', 'intr_mask') },
];

const ANY: Related = () => true;

/** One wire into a consumer, and what drives it. */
interface Input {
  readonly because: string;
  readonly producers: readonly { readonly device: string; readonly related: Related }[];
}

function isaIrqInput(irq: number, suffix = ''): Input {
  const producers = LINE_SOURCES.filter((s) => s.irq === irq).flatMap((s) => s.devices.map((device) => ({ device, related: s.related })));
  return { because: `IRQ${irq}'s line${suffix}`, producers };
}

/** The input at an 8259A's IR. */
function picInput(device: string, ir: number): Input {
  if (device === PIC_MASTER && ir === BOARD.pic.cascadeIrq) return { because: `IRQ${ir}'s line: the slave 8259A's INT`, producers: [{ device: PIC_SLAVE, related: ANY }] };
  return isaIrqInput(device === PIC_SLAVE ? ir + 8 : ir);
}

function ioapicPinInput(pin: number): Input {
  const irqs = [...new Set(LINE_SOURCES.map((s) => s.irq))].filter((irq) => isaIrqToGsi(irq) === pin);
  const producers = irqs.flatMap((irq) => isaIrqInput(irq).producers);
  return { because: irqs.length === 0 ? `IOAPIC pin ${pin}` : `IRQ${irqs[0]}'s line (IOAPIC pin ${pin})`, producers };
}

function num(states: ReadonlyMap<string, DeviceState>, device: string, field: string, index?: number): number | undefined {
  const v = states.get(device)?.state[field];
  if (index === undefined) return typeof v === 'number' ? v : undefined;
  return Array.isArray(v) ? v[index] : undefined;
}

/** A LAPIC vector's sources: IOAPIC pins whose entry sends it, the 8259A IRs whose base + IR it is. */
function vectorInput(states: ReadonlyMap<string, DeviceState>, vector: number): Input | null {
  const producers: Input['producers'][number][] = [];
  const names: string[] = [];
  const table = states.get(IOAPIC)?.state.ioredtbl_lo;
  if (Array.isArray(table)) {
    table.forEach((entry, pin) => {
      if ((entry & 0xff) !== vector) return;
      const input = ioapicPinInput(pin);
      producers.push(...input.producers, { device: IOAPIC, related: (f, i) => (f === 'ioredtbl_lo' || f === 'ioredtbl_hi') && i === pin });
      names.push(input.because.replace(/'s line.*/, '') || `pin ${pin}`);
    });
  }
  for (const pic of [PIC_MASTER, PIC_SLAVE]) {
    const base = num(states, pic, 'irq_base');
    if (base === undefined || vector < base || vector >= base + 8) continue;
    const input = picInput(pic, vector - base);
    producers.push(...input.producers);
    names.push(input.because.replace(/'s line.*/, ''));
  }
  return producers.length === 0 ? null : { because: `vector ${hex(vector, 2)} (${[...new Set(names)].join(', ')})`, producers };
}

function bits(a: number, b: number, width: number): number[] {
  const x = width >= 32 ? (a ^ b) >>> 0 : (a ^ b) & ((1 << width) - 1);
  const out: number[] = [];
  for (let i = 0; i < width; i++) if (Math.floor(x / 2 ** i) % 2 === 1) out.push(i);
  return out;
}

/** The inputs a consumer difference is about (each differing bit's), or null: not an input's request state. */
function inputsOf(d: StateDifference, states: ReadonlyMap<string, DeviceState>): Input[] | null {
  if (d.kind !== 'device' || d.field === undefined || typeof d.reference !== 'number' || typeof d.destination !== 'number') return null;
  const a = d.reference;
  const b = d.destination;
  if ((d.device === PIC_MASTER || d.device === PIC_SLAVE) && (d.field === 'irr' || d.field === 'last_irr' || d.field === 'isr')) {
    return bits(a, b, 8).map((ir) => picInput(d.device!, ir));
  }
  if (d.device === IOAPIC && d.field === 'pin_level') return bits(a, b, 24).map(ioapicPinInput);
  if (d.device === IOAPIC && d.field === 'ioredtbl_lo' && d.index !== undefined && ((a ^ b) >>> 0) === REDIR_REMOTE_IRR) return [ioapicPinInput(d.index)];
  if (d.device === LAPIC && (d.field === 'irr' || d.field === 'isr' || d.field === 'tmr') && d.index !== undefined) {
    const out: Input[] = [];
    for (const bit of bits(a, b, 32)) {
      const input = vectorInput(states, d.index * 32 + bit);
      if (input === null) return null;
      out.push(input);
    }
    return out;
  }
  if (d.device === LAPIC && d.field === 'lint0_level') return [{ because: "LINT0: the master 8259A's INT", producers: [{ device: PIC_MASTER, related: ANY }] }];
  return null;
}

/**
 * Mark each difference root or consequence (module comment: the rule) and order them roots
 * first, each group in the given order. `referenceDevices`: the reference's device states at
 * the same point, for vectors (IOAPIC entries, 8259A bases); without them a LAPIC vector
 * difference stays a root.
 */
export function orderByRootCause<T extends StateDifference>(diffs: readonly T[], referenceDevices: readonly DeviceState[] = []): Marked<T>[] {
  const states = new Map(referenceDevices.map((s) => [s.name, s]));
  // The immediate cause of each difference (an index into diffs), with the wire.
  const cause: ({ at: number; because: string } | null)[] = diffs.map((d) => {
    const inputs = inputsOf(d, states);
    if (inputs !== null && inputs.length > 0) {
      let first: { at: number; because: string } | null = null;
      for (const input of inputs) {
        const at = diffs.findIndex((p) => p !== d && p.device !== undefined && p.field !== undefined && input.producers.some((q) => q.device === p.device && q.related(p.field!, p.index)));
        if (at < 0) {
          first = null;
          break;
        }
        // Prefer a producer's line level: it is what the wire carries.
        const line = diffs.findIndex((p, i) => i !== at && p.role === 'line' && p.device !== undefined && p.field !== undefined && input.producers.some((q) => q.device === p.device && q.related(p.field!, p.index)));
        first ??= { at: line >= 0 ? line : at, because: input.because };
      }
      if (first !== null) return first;
    }
    if (d.kind === 'device' && d.role === 'line') {
      const at = diffs.findIndex((p) => p.device === d.device && p.essential);
      if (at >= 0) return { at, because: `${d.path} is a line level, which follows from its device's state` };
    }
    return null;
  });
  // Follow each chain to its root (a cycle, which the rule should not make, leaves its entry a root).
  const rootOf = (i: number): number => {
    const seen = new Set<number>([i]);
    let j = i;
    for (let c = cause[j]; c !== null; c = cause[j]) {
      if (seen.has(c.at)) return i;
      seen.add(c.at);
      j = c.at;
    }
    return j;
  };
  const marked = diffs.map((d, i): Marked<T> => {
    const r = rootOf(i);
    return r === i ? { ...d, root: true } : { ...d, root: false, follows: diffs[r].path, because: cause[i]!.because };
  });
  return [...marked.filter((m) => m.root), ...marked.filter((m) => !m.root)];
}

/**
 * The differences to name for a divergence: the essential ones, root first, preceded by the
 * non-essential roots they follow from (an ATA drive's `irq_pending` is a line, not essential,
 * yet it is what the PIC's differing request follows from).
 */
export function differencesToName<T extends StateDifference & RootCauseMark>(ordered: readonly T[]): T[] {
  const essential = ordered.filter((d) => d.essential);
  const needed = new Set(essential.map((d) => d.follows).filter((p): p is string => p !== undefined));
  const roots = ordered.filter((d) => !d.essential && d.root && needed.has(d.path));
  // Roots first: the non-essential roots behind essential differences, then essential roots, then the rest.
  return [...roots, ...essential.filter((d) => d.root), ...essential.filter((d) => !d.root)];
}

/**
 * The cause's state part: the first root's explanation, what follows from it, and how much
 * more differs — "ata0.select: … (root); pic.slave.last_irr follows from it (IRQ14's line)
 * (and 1 more difference)".
 */
export function rootCauseText(ds: readonly (StateDifference & Partial<RootCauseMark> & { readonly explanation: string })[]): string {
  if (ds.length === 0) return 'unknown';
  const first = ds[0];
  const followers = ds.filter((d) => d.follows === first.path);
  let text = first.explanation;
  if (followers.length > 0) {
    const shown = followers.slice(0, 3).map((d) => d.path);
    const names = shown.join(', ') + (followers.length > shown.length ? ` and ${followers.length - shown.length} more` : '');
    text += ` (root); ${names} follow${followers.length === 1 ? 's' : ''} from it (${followers[0].because})`;
  }
  const rest = ds.length - 1 - followers.length;
  const otherRoots = ds.filter((d) => d !== first && d.root === true).map((d) => d.path);
  if (rest > 0) {
    const roots = otherRoots.length > 0 && followers.length > 0 ? `; other root${otherRoots.length > 1 ? 's' : ''}: ${otherRoots.slice(0, 3).join(', ')}` : '';
    text += ` (and ${rest} more difference${rest > 1 ? 's' : ''}${roots})`;
  }
  return text;
}
