/**
 * State features of a Machine (docs/campaign.md, "Coverage"): the conditions a migration
 * point can catch the machine in, each a yes/no question asked of live state.
 *
 * - Generic, from each device's schema: every essential non-timer field away from its
 *   power-on value ('field'), every element of an essential array ('element'; only the ones
 *   a run moves are reported), every timer armed ('timer').
 * - Named by hand where a field is too coarse ('device'): a write-only sequence half done
 *   (ICW2..4 pending, a PIT low byte written, DLAB set), a FIFO non-empty, a PIO transfer in
 *   progress, an interrupt in service or pending, a NIC descriptor owned by the device.
 * - The CPU ('cpu') and guest memory written in the window before a point ('memory').
 *
 * This is analysis code like verify/: it reads device state directly (the one-bus rule binds
 * src/migration and src/hypervisor). Evaluation is on the run's hottest path — after every bus
 * access — so each device's fields are listed once here and compared as numbers, and nothing
 * is allocated per evaluation.
 */
import type { Machine } from '../board/machine.js';
import type { AnyDevice } from '../board/board.js';
import type { Cpu } from '../machine/cpu/cpu.js';
import type { Timer } from '../machine/clock.js';
import { CPU_FIELDS } from '../machine/cpu/state.js';
import { CR0_PE, CR0_PG, IF, VM } from '../machine/cpu/constants.js';
import { isEssential, type FieldValue } from '../machine/state-schema.js';
import { CMD_RX_ENABLE, CMD_TX_ENABLE, DESC_OWN, DESC_SIZE } from '../devices/rtl8169-regs.js';
import { RW_WORD1 } from '../devices/pit8254-control.js';
import { PHASE_DATA_IN, PHASE_DATA_OUT } from '../devices/ata-disk.js';
import type { FeatureInfo } from './types.js';

/** "More than N pages written in a window" (memory.burst): the default N. */
export const DEFAULT_BURST_PAGES = 64;

type State = Record<string, FieldValue>;

/** A feature with the reason a run that never holds it gives. */
export interface FeatureDefinition extends FeatureInfo {
  /** Listed among the unreached when the run never holds it (generic fields and elements are not). */
  readonly listUnreached: boolean;
  readonly whyUnreached: string;
}

/**
 * Array fields whose elements are data in flight, not state a point is in: whether data is in
 * flight is the named FIFO / PIO features below, and 512 buffer bytes would drown the rest.
 */
const PAYLOAD_ARRAYS: ReadonlySet<string> = new Set(['ata0.buffer', 'ata0.slave.buffer', 'uart.rbr', 'uart.thr', 'i8042.kbd_queue']);

/**
 * Devices an access to another can change besides through interrupt lines (which the fabric
 * reports): evaluated together after a bus access to either.
 */
const COUPLED: readonly (readonly [string, string])[] = [
  ['pci', 'rtl8169'], // configuration space lives in the function's state
  ['i8042', 'sysctl'], // one A20 latch (docs/design.md)
  ['pic.master', 'pic.slave'], // the cascade: the slave's INT is the master's IR2
  ['lapic', 'ioapic'], // an EOI clears a level entry's remote IRR; a redirection write may deliver
  ['ata0', 'ata0.slave'], // one channel: the slave's registers are reached through ata0's ports
];

/** The devices an interrupt line or an INTA changes. */
const INTERRUPT_CONTROLLERS: ReadonlySet<string> = new Set(['pic.master', 'pic.slave', 'ioapic', 'lapic']);

interface NamedFeature {
  readonly device: string;
  readonly name: string;
  readonly doc: string;
  readonly why: string;
  readonly holds: (state: State, machine: Machine) => boolean;
}

const num = (s: State, key: string): number => s[key] as number;
const arr = (s: State, key: string): number[] => s[key] as number[];
const anySet = (a: readonly number[]): boolean => {
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) return true;
  return false;
};

/** opts1 of descriptor `index` of the ring at `base` has OWN set (read from RAM: a descriptor is plain memory). */
function descriptorOwned(machine: Machine, base: number, index: number): boolean {
  const ram = machine.memory.ram;
  const a = base + index * DESC_SIZE;
  if (base === 0 || a + 4 > ram.length) return false;
  return ((ram[a + 3] << 24) & DESC_OWN) !== 0;
}

// CMOS index set and TPR ≠ 0 are the generic rtc.cmos_index and lapic.tpr features (power-on 0).
const NAMED: readonly NamedFeature[] = [
  { device: 'pic.master', name: 'icw-pending', doc: 'ICW2..4 still to come after ICW1', why: 'the guest never started an ICW sequence', holds: (s) => num(s, 'init_state') !== 0 },
  { device: 'pic.slave', name: 'icw-pending', doc: 'ICW2..4 still to come after ICW1', why: 'the guest never started an ICW sequence', holds: (s) => num(s, 'init_state') !== 0 },
  { device: 'pic.master', name: 'in-service', doc: 'an interrupt in service (ISR ≠ 0)', why: 'no interrupt was taken through the 8259A', holds: (s) => num(s, 'isr') !== 0 },
  { device: 'pic.slave', name: 'in-service', doc: 'an interrupt in service (ISR ≠ 0)', why: 'no interrupt was taken through the slave 8259A', holds: (s) => num(s, 'isr') !== 0 },
  { device: 'pic.master', name: 'pending', doc: 'an interrupt requested (IRR ≠ 0)', why: 'no line was raised', holds: (s) => num(s, 'irr') !== 0 },
  { device: 'pic.slave', name: 'pending', doc: 'an interrupt requested (IRR ≠ 0)', why: 'no slave line was raised', holds: (s) => num(s, 'irr') !== 0 },
  { device: 'pit', name: 'ch0.lobyte-written', doc: 'channel 0: low byte of a word count written, high byte to come', why: 'channel 0 was never given a word count', holds: (s) => arr(s, 'write_state')[0] === RW_WORD1 },
  { device: 'pit', name: 'ch1.lobyte-written', doc: 'channel 1: low byte of a word count written, high byte to come', why: 'channel 1 was never given a word count', holds: (s) => arr(s, 'write_state')[1] === RW_WORD1 },
  { device: 'pit', name: 'ch2.lobyte-written', doc: 'channel 2: low byte of a word count written, high byte to come', why: 'channel 2 was never given a word count', holds: (s) => arr(s, 'write_state')[2] === RW_WORD1 },
  { device: 'pit', name: 'ch0.lobyte-read', doc: 'channel 0: low byte of a word count read, high byte to come', why: 'channel 0 was never read as a word', holds: (s) => arr(s, 'read_state')[0] === RW_WORD1 },
  { device: 'uart', name: 'dlab', doc: 'LCR.DLAB set: ports 0 and 1 reach the divisor latch', why: 'the guest never set the divisor latch access bit', holds: (s) => (num(s, 'lcr') & 0x80) !== 0 },
  { device: 'uart', name: 'rx-fifo', doc: 'received bytes waiting in the RX FIFO', why: 'no byte was received', holds: (s) => num(s, 'rx_count') !== 0 },
  { device: 'uart', name: 'tx-fifo', doc: 'bytes waiting in the TX FIFO', why: 'the TX FIFO never held a byte', holds: (s) => num(s, 'tx_count') !== 0 },
  { device: 'ata0', name: 'pio', doc: 'a PIO data transfer in progress (data in or out)', why: 'no PIO data command ran', holds: (s) => num(s, 'xfer_phase') === PHASE_DATA_IN || num(s, 'xfer_phase') === PHASE_DATA_OUT },
  { device: 'lapic', name: 'in-service', doc: 'an interrupt in service (ISR ≠ 0)', why: 'no interrupt was taken through the local APIC', holds: (s) => anySet(arr(s, 'isr')) },
  { device: 'lapic', name: 'pending', doc: 'an interrupt requested (IRR ≠ 0)', why: 'the local APIC never held a request', holds: (s) => anySet(arr(s, 'irr')) },
  { device: 'rtl8169', name: 'rx-owned', doc: 'the RX descriptor at rx_head is the NIC\'s (OWN set, receiver on)', why: 'the receiver never had a descriptor', holds: (s, m) => (num(s, 'chip_cmd') & CMD_RX_ENABLE) !== 0 && descriptorOwned(m, num(s, 'rx_desc_lo'), num(s, 'rx_head')) },
  { device: 'rtl8169', name: 'tx-owned', doc: 'the TX descriptor at tx_tail is the NIC\'s (OWN set, transmitter on)', why: 'no frame was queued for transmission at an evaluation point', holds: (s, m) => (num(s, 'chip_cmd') & CMD_TX_ENABLE) !== 0 && descriptorOwned(m, num(s, 'tx_desc_lo'), num(s, 'tx_tail')) },
];

const cpuField = (name: string): ((c: Cpu) => number) => {
  const f = CPU_FIELDS.find((x) => x.name === name);
  if (f === undefined) throw new Error(`CPU_SCHEMA has no field ${name}`);
  return (c) => f.read(c);
};
const cr0 = cpuField('cr0');
// IF and VM are never lazily computed: read them from the register itself, because the
// schema's eflags reader materialises the arithmetic flags (a write) — not for analysis code
// to do in the middle of an instruction.
const eflagsSystem = (c: Cpu): number => c.flags & (IF | VM);
const cpl = cpuField('cpl');
const shadow = cpuField('interrupt_shadow');
const halted = cpuField('halted');
const cr2 = cpuField('cr2');
const tr = cpuField('tr.selector');
const ldtr = cpuField('ldtr.selector');

interface CpuFeature {
  readonly name: string;
  readonly doc: string;
  readonly why: string;
  readonly holds: (cpu: Cpu) => boolean;
}

// "In an interrupt handler" needs the controllers: it is evaluated with them (inHandler below).
const CPU: readonly CpuFeature[] = [
  { name: 'protected-mode', doc: 'CR0.PE set', why: 'the guest stayed in real mode', holds: (c) => (cr0(c) & CR0_PE) !== 0 },
  { name: 'paging', doc: 'CR0.PG set', why: 'the guest never turned paging on', holds: (c) => (cr0(c) & CR0_PG) !== 0 },
  { name: 'ring3', doc: 'CPL 3', why: 'no evaluation point found the CPU at CPL 3', holds: (c) => cpl(c) === 3 },
  { name: 'v86', doc: 'virtual-8086 mode (EFLAGS.VM)', why: 'the guest never entered virtual-8086 mode', holds: (c) => (eflagsSystem(c) & VM) !== 0 },
  { name: 'if-clear', doc: 'EFLAGS.IF clear: external interrupts held off', why: 'interrupts were on at every evaluation point', holds: (c) => (eflagsSystem(c) & IF) === 0 },
  { name: 'interrupt-shadow', doc: 'the instruction after STI / MOV SS is next', why: 'a one-instruction state: no evaluation point fell on one', holds: (c) => shadow(c) !== 0 },
  { name: 'halted', doc: 'stopped by HLT', why: 'the guest never halted to wait', holds: (c) => halted(c) !== 0 },
  { name: 'cr2', doc: 'CR2 ≠ 0: a page fault was taken', why: 'no page fault was taken', holds: (c) => cr2(c) !== 0 },
  { name: 'tr-loaded', doc: 'TR holds a TSS selector', why: 'the guest never loaded TR', holds: (c) => tr(c) !== 0 },
  { name: 'ldtr-loaded', doc: 'LDTR holds an LDT selector', why: 'the guest never loaded an LDT', holds: (c) => ldtr(c) !== 0 },
];

/** Receives each change of a feature's value, at the icount from which the new value holds. */
export interface FeatureSink {
  change(feature: number, holds: boolean, at: number): void;
}

interface DeviceProbe {
  readonly device: AnyDevice;
  readonly scalarKeys: string[];
  readonly scalarReset: number[];
  readonly scalarFeature: number[];
  /** The value at the last evaluation, and after the last guest write that changed it. */
  readonly scalarPrev: number[];
  readonly scalarWritten: number[];
  /** Feature: changed by the device since the guest last set it. */
  readonly scalarDrift: number[];
  readonly arrayKeys: string[];
  readonly arrayReset: number[][];
  /** Feature index of element 0; the elements' features are consecutive. */
  readonly arrayFeature: number[];
  readonly arrayPrev: number[][];
  readonly arrayWritten: number[][];
  /** Feature index of element 0's drift feature; consecutive too. */
  readonly arrayDrift: number[];
  readonly timers: Timer[];
  readonly timerFeature: number[];
  readonly named: NamedFeature[];
  readonly namedFeature: number[];
}

/** A device's timers, by schema field name (kept protected by Device: analysis code reads them here only). */
function deviceTimers(device: AnyDevice): Record<string, Timer> {
  return (device as unknown as { timers: Record<string, Timer> }).timers;
}

/**
 * The features of one machine and their current values. Built on a machine at power-on (its
 * device state then is the reset value every 'field' feature compares with).
 */
export class MachineFeatures {
  readonly definitions: FeatureDefinition[] = [];
  /** Feature indexes of the memory features (set at each window's end). */
  readonly memoryWritten: number;
  readonly memoryTopPage: number;
  readonly memoryBurst: number;
  private readonly values: Uint8Array;
  private readonly probes: DeviceProbe[] = [];
  /** Per bus device id: the probes an access to it evaluates. */
  private readonly byBusId: DeviceProbe[][] = [];
  private readonly controllers: DeviceProbe[];
  private readonly cpuFeature: number[] = [];
  /** CPU features are sampled: the last icount each was seen holding (see `set`). */
  private readonly lastSeen: Float64Array;
  private readonly sampled: Uint8Array;
  private readonly cpuHalted: number;
  private readonly inHandler: number;
  private readonly pics: AnyDevice[];
  private readonly lapic: AnyDevice | undefined;

  constructor(
    private readonly machine: Machine,
    private readonly sink: FeatureSink,
    readonly burstPages = DEFAULT_BURST_PAGES,
  ) {
    for (const device of machine.devices) this.probes.push(this.probeOf(device));
    for (const c of CPU) this.cpuFeature.push(this.define({ id: `cpu.${c.name}`, group: 'cpu', kind: 'cpu', doc: c.doc }, true, c.why));
    this.cpuHalted = this.cpuFeature[CPU.findIndex((c) => c.name === 'halted')];
    this.inHandler = this.define({ id: 'cpu.in-handler', group: 'cpu', kind: 'cpu', doc: 'in an interrupt handler: a PIC or LAPIC in-service bit set' }, true, 'no interrupt was taken');
    this.memoryWritten = this.define({ id: 'memory.written', group: 'memory', kind: 'memory', doc: 'guest memory written in the preceding window' }, true, 'no window wrote guest memory');
    this.memoryTopPage = this.define({ id: 'memory.top-page', group: 'memory', kind: 'memory', doc: 'the top page of RAM written in the preceding window' }, true, 'no window wrote the top page of RAM');
    this.memoryBurst = this.define({ id: 'memory.burst', group: 'memory', kind: 'memory', doc: `more than ${burstPages} pages written in the preceding window` }, true, `no window wrote more than ${burstPages} pages`);
    this.values = new Uint8Array(this.definitions.length);
    this.lastSeen = new Float64Array(this.definitions.length);
    this.sampled = new Uint8Array(this.definitions.length);
    for (const f of this.cpuFeature) this.sampled[f] = 1;

    const byName = new Map(this.probes.map((p) => [p.device.name, p]));
    for (const p of this.probes) (this.byBusId[p.device.id] ??= []).push(p);
    for (const [a, b] of COUPLED) {
      const pa = byName.get(a);
      const pb = byName.get(b);
      if (pa === undefined || pb === undefined) continue;
      for (const [from, to] of [[pa, pb], [pb, pa]]) {
        const list = this.byBusId[from.device.id];
        if (!list.includes(to)) list.push(to);
      }
    }
    this.controllers = this.probes.filter((p) => INTERRUPT_CONTROLLERS.has(p.device.name));
    this.pics = machine.devices.filter((d) => d.name === 'pic.master' || d.name === 'pic.slave');
    this.lapic = machine.devices.find((d) => d.name === 'lapic');
  }

  /** The values at power-on, before the first instruction: every feature's first evaluation. */
  start(at: number): void {
    this.evaluateDevices(at);
    this.evaluateCpu(at);
  }

  /**
   * After a bus access to bus device `busId` (and, with `lines`, after interrupt lines moved).
   * `write`: a guest write — what it changed is what the guest set (the drift features).
   */
  accessed(busId: number, lines: boolean, at: number, write = false): void {
    const list = this.byBusId[busId];
    if (list !== undefined) for (let i = 0; i < list.length; i++) this.evaluate(list[i], at, write);
    if (lines) for (let i = 0; i < this.controllers.length; i++) this.evaluate(this.controllers[i], at);
    this.evaluateHandler(at);
  }

  /**
   * An INTA at icount `at`, before the vector is delivered: the CPU is as the interrupted code
   * left it at `at`, the controllers changed for `at` + 1. Only its halt has ended already (the
   * CPU clears it just before the INTA), but `run` to `at` leaves it halted: a CPU halted at
   * the last evaluation still is at `at`.
   */
  interruptTaken(at: number): void {
    const wasHalted = this.values[this.cpuHalted] !== 0;
    this.evaluateCpu(at);
    if (wasHalted) this.set(this.cpuHalted, true, at);
    for (let i = 0; i < this.controllers.length; i++) this.evaluate(this.controllers[i], at + 1);
    this.evaluateHandler(at + 1);
  }

  evaluateDevices(at: number): void {
    for (let i = 0; i < this.probes.length; i++) this.evaluate(this.probes[i], at);
    this.evaluateHandler(at);
  }

  evaluateCpu(at: number): void {
    const cpu = this.machine.cpu;
    for (let i = 0; i < CPU.length; i++) this.set(this.cpuFeature[i], CPU[i].holds(cpu), at);
  }

  /** At a window's end: the pages written in it, ascending (a dirty-log take). */
  windowEnded(pages: Uint32Array, at: number): void {
    this.set(this.memoryWritten, pages.length > 0, at);
    this.set(this.memoryTopPage, pages.length > 0 && pages[pages.length - 1] === this.machine.memory.ramPages - 1, at);
    this.set(this.memoryBurst, pages.length > this.burstPages, at);
  }

  holds(feature: number): boolean {
    return this.values[feature] !== 0;
  }

  /**
   * A device feature changes exactly where an evaluation sees it change. A CPU feature can
   * change between two evaluations with no hook: its range ends just after the last
   * evaluation that saw it hold, so that a range never claims a point it was not seen at
   * (starts are late, ends early: an under-approximation).
   */
  private set(feature: number, holds: boolean, at: number): void {
    const v = holds ? 1 : 0;
    if (holds && this.sampled[feature] !== 0) this.lastSeen[feature] = at;
    if (this.values[feature] === v) return;
    this.values[feature] = v;
    this.sink.change(feature, holds, !holds && this.sampled[feature] !== 0 ? Math.min(at, this.lastSeen[feature] + 1) : at);
  }

  /**
   * A field drifts when the device changes it after the guest set it — an RTC update moving
   * the clock bytes, a status the device raised: what a hypervisor's shadow of the guest's
   * writes would have stale. A change seen right after a guest write is the guest's.
   */
  private evaluate(p: DeviceProbe, at: number, guestWrote = false): void {
    const s = p.device.state as State;
    for (let i = 0; i < p.scalarKeys.length; i++) {
      const v = s[p.scalarKeys[i]] as number;
      this.set(p.scalarFeature[i], v !== p.scalarReset[i], at);
      if (guestWrote && v !== p.scalarPrev[i]) p.scalarWritten[i] = v;
      p.scalarPrev[i] = v;
      this.set(p.scalarDrift[i], v !== p.scalarWritten[i], at);
    }
    for (let i = 0; i < p.arrayKeys.length; i++) {
      const a = s[p.arrayKeys[i]] as number[];
      const r = p.arrayReset[i];
      const prev = p.arrayPrev[i];
      const written = p.arrayWritten[i];
      const base = p.arrayFeature[i];
      const drift = p.arrayDrift[i];
      for (let k = 0; k < r.length; k++) {
        const v = a[k];
        this.set(base + k, v !== r[k], at);
        if (guestWrote && v !== prev[k]) written[k] = v;
        prev[k] = v;
        this.set(drift + k, v !== written[k], at);
      }
    }
    for (let i = 0; i < p.timers.length; i++) this.set(p.timerFeature[i], p.timers[i].at >= 0, at);
    for (let i = 0; i < p.named.length; i++) this.set(p.namedFeature[i], p.named[i].holds(s, this.machine), at);
  }

  private evaluateHandler(at: number): void {
    let inService = false;
    for (const pic of this.pics) if ((pic.state.isr as number) !== 0) inService = true;
    if (!inService && this.lapic !== undefined) inService = anySet(this.lapic.state.isr as number[]);
    this.set(this.inHandler, inService, at);
  }

  private define(info: FeatureInfo, listUnreached: boolean, whyUnreached: string): number {
    this.definitions.push({ ...info, listUnreached, whyUnreached });
    return this.definitions.length - 1;
  }

  private probeOf(device: AnyDevice): DeviceProbe {
    const name = device.name;
    const state = device.state as State;
    const p: DeviceProbe = {
      device, scalarKeys: [], scalarReset: [], scalarFeature: [], scalarPrev: [], scalarWritten: [], scalarDrift: [],
      arrayKeys: [], arrayReset: [], arrayFeature: [], arrayPrev: [], arrayWritten: [], arrayDrift: [],
      timers: [], timerFeature: [], named: [], namedFeature: [],
    };
    const timers = deviceTimers(device);
    for (const f of device.schema.fields) {
      if (f.timer) {
        const t = timers[f.name];
        if (t === undefined) continue;
        p.timers.push(t);
        p.timerFeature.push(this.define({ id: `${name}.${f.name} armed`, group: name, kind: 'timer', doc: `${f.doc}: armed` }, true, 'never armed in this run'));
        continue;
      }
      if (!isEssential(f)) continue;
      const v = state[f.name];
      if (Array.isArray(v)) {
        if (PAYLOAD_ARRAYS.has(`${name}.${f.name}`)) continue;
        p.arrayKeys.push(f.name);
        p.arrayReset.push(v.slice());
        p.arrayPrev.push(v.slice());
        p.arrayWritten.push(v.slice());
        p.arrayFeature.push(this.definitions.length);
        for (let k = 0; k < v.length; k++) {
          this.define({ id: `${name}.${f.name}[${k}]`, group: name, kind: 'element', doc: `${f.doc}: element ${k} not its power-on value ${v[k]}` }, false, 'never changed');
        }
        p.arrayDrift.push(this.definitions.length);
        for (let k = 0; k < v.length; k++) {
          this.define({ id: `${name}.${f.name}[${k}] changed by the device`, group: name, kind: 'element', doc: `${f.doc}: element ${k} changed by the device since the guest last set it` }, false, 'never changed by the device');
        }
      } else {
        p.scalarKeys.push(f.name);
        p.scalarReset.push(v);
        p.scalarPrev.push(v);
        p.scalarWritten.push(v);
        p.scalarFeature.push(this.define({ id: `${name}.${f.name}`, group: name, kind: 'field', doc: `${f.doc}: not its power-on value ${v}` }, false, 'never changed'));
        p.scalarDrift.push(this.define({ id: `${name}.${f.name} changed by the device`, group: name, kind: 'field', doc: `${f.doc}: changed by the device since the guest last set it` }, false, 'never changed by the device'));
      }
    }
    for (const n of NAMED) {
      if (n.device !== name) continue;
      p.named.push(n);
      p.namedFeature.push(this.define({ id: `${name}.${n.name}`, group: name, kind: 'device', doc: n.doc }, true, n.why));
    }
    return p;
  }
}
