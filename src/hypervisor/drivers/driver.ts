/**
 * What the hypervisor needs to know about one device, in one place: a DeviceDriver. The
 * registry (drivers/index.ts) lists them; hypervisor.ts and destination.ts only loop over it.
 *
 * A driver states which board device(s) it covers and the interrupt lines they drive (from
 * src/board/layout.ts), its intercepts and write-only shadow (made when the hypervisor
 * attaches), how it captures its device(s) — the part read at the switch-over instant, and
 * the paused-time part (probes watched one instruction at a time, then after-steps) — which
 * write-only fields it does not know, the levels of its lines as its captured state implies,
 * how to raise and drop its line on the destination, how it reconstructs (timeline steps,
 * each with a rank that says where its actions stand among others at the same icount) and
 * how much window that needs, and the injected faults that concern it.
 */
import type { Intercepts } from '../intercepts.js';
import type { HvIo } from '../hv-io.js';
import type { CaptureResult, CapturedDevice, HypervisorOptions } from '../api.js';
import type { CapturedView, DeviceCaptureBuilder } from '../captured.js';
import type { StateSchema } from '../../devices/schema.js';
import type { SharedStorage } from '../storage.js';
import type { PortRange } from '../../board/layout.js';

/** An injected hypervisor bug (faults.ts: the catalog is every driver's `faults`, in registry order). */
export interface FaultSpec {
  readonly name: string;
  readonly side: 'capture' | 'reconstruct';
  readonly device: string;
  /** Which field(s) end up wrong on the destination, and why. */
  readonly effect: string;
}

/** What a driver gets when the hypervisor attaches (its shadow's intercepts are installed then). */
export interface AttachContext {
  readonly intercepts: Intercepts;
  readonly options: HypervisorOptions;
  /** The attach icount. */
  readonly now: number;
  readonly hz: number;
  /** The shared disk (BLMVisor 4.3). */
  readonly storage: SharedStorage;
  /** The slave's shared disk (device 1 on the primary ATA channel), or null when there is none. */
  readonly slaveStorage: SharedStorage | null;
  /**
   * Bus access at the attach instant, before any intercept is installed (the shadows do not
   * see it). No driver reads at attach; an injected fault may (rtc-time-stale).
   */
  readonly io: HvIo;
}

/**
 * Something to watch while virtual time passes, guest paused, one instruction at a time from
 * the switch-over (the LAPIC timer's count ticking, an ATA drive's BSY dropping): checked with
 * the instructions elapsed so far, it returns true once it has its answer.
 */
export interface Probe {
  readonly limit: number;
  check(elapsed: number): boolean;
  giveUp(): void;
}

/** What every capture gets: bus access, options, notes, and the queues of paused-time work. */
export interface CaptureContext {
  readonly io: HvIo;
  readonly options: HypervisorOptions;
  /** What capture disturbed on the source and how it was put back, residuals. */
  readonly notes: string[];
  /** The switch-over icount: capture describes the devices as they were then. */
  readonly switchIcount: number;
  /** Dummy frames the NIC probe sent and received (for the report). */
  nicFrames: number;
  /** Watched from the switch-over on, in the order pushed (see Probe). */
  readonly probes: Probe[];
  /** Steps that drive devices (and take time), run after the probes: putting the source back. */
  readonly after: (() => void)[];
  /** A device's declared schema (static metadata). */
  schema(device: string): StateSchema;
}

/**
 * When a driver's capture runs: `instant` reads at the switch-over in zero time, before any
 * interrupt line is disturbed; `disturbs-line` captures drop and raise the driver's own lines
 * (reading a UART's FIFO out, freezing a NIC), so they run after every instant capture, with
 * those lines masked at the IOAPIC and LINT0 (quiesce.ts).
 */
export type CaptureStage = 'instant' | 'disturbs-line';

export interface DriverCapture {
  /** One builder per device the driver covers, in `devices` order. */
  readonly builders: readonly DeviceCaptureBuilder[];
  /**
   * After the line-disturbing captures and all paused-time work, with the lines still masked
   * upstream: put right what they left at this device (the 8259A retires the edge requests).
   */
  settleDisturbedLines?(irqs: readonly number[]): void;
}

/**
 * Raising and dropping an ISA interrupt line on the destination by driving the device behind
 * it — the only way software can make a request appear at an interrupt controller's input.
 * Reconstruction uses it to put IRs in service (an 8259A sets ISR only at INTA, or a poll, of
 * a requested IR: datasheet, "Interrupt Sequence", "Poll Command") before the devices
 * themselves are reconstructed; each generator leaves its device in a state the device's own
 * reconstruction overwrites (unless it is restore-safe: then it puts it back).
 */
export interface IrqLineDriver {
  raise(): void;
  lower(): void;
}

export interface IrqLineGenerator {
  readonly irq: number;
  /** The generator puts its device back exactly, so it is usable after reconstruction too. */
  readonly restoreSafe: boolean;
  /**
   * Its device is rebuilt by actions at the switch window's start that come after the 8259A's
   * (RANK), none of them ahead: a pulse there, before them, leaves nothing they do not overwrite.
   */
  readonly rebuiltAtSwitch?: boolean;
  /** Built when needed (it may look the device up on the bus). */
  create(io: HvIo): IrqLineDriver;
}

/** A captured device by name (null when the capture lacks it). */
export type CapturedLookup = (device: string) => CapturedView | null;

/** The reconstruction window as one driver step sees it: its actions carry the step's rank. */
export type Placement = 'switch' | 'ahead' | 'pinned';

export interface DriverTimeline {
  /** The earliest icount an action may run at. */
  readonly start: number;
  /** The switch-over icount. */
  readonly end: number;
  /**
   * Run `run` at `icount` (docs/migration-figures.md). By default the action needs the state
   * captured at the switch-over; asked for the window's start it only wants to come first and
   * runs at the start of the switch window (Timeline.switchStart). `ahead`: it sets configuration
   * or time-driven state (a divider's or a counter's phase) from what the source knew before
   * it stopped the guest, so a destination can do it while pre-copy runs. `pinned`: needs the
   * switch-over state and must run at exactly `icount`, the window's start included.
   */
  at(icount: number, label: string, run: () => void, placement?: Placement): void;
}

/** What every reconstruction step gets: destination bus access, the capture, the step's timeline. */
export interface ReconstructContext {
  readonly io: HvIo;
  readonly capture: CaptureResult;
  readonly timeline: DriverTimeline;
  readonly options: HypervisorOptions;
  readonly notes: string[];
  /** Shared by every step (the report's totals). */
  readonly counts: { dummyFrames: number };
  view(device: string): CapturedView | null;
  /** The captured device, or HV_MACHINE_MISMATCH. */
  must(device: string): CapturedView;
  /** A driver for ISA line `irq`, made now (making it may access the bus), or null when no device can raise it. */
  irqLine(irq: number): IrqLineDriver | null;
  /** Whether `irq`'s generator puts its device back exactly (usable after reconstruction). */
  restoreSafeLine(irq: number): boolean;
  /** A driver for `irq` usable at the switch window's start, before its device is rebuilt (IrqLineGenerator.rebuiltAtSwitch), or null. */
  switchLine(irq: number): IrqLineDriver | null;
}

/**
 * One step of a driver's reconstruction. Steps are planned in rank order, and on the timeline
 * actions at the same icount run in rank order (then in the order they were planned): a rank
 * is where the step stands among every other driver's steps.
 */
export interface ReconstructStep {
  readonly rank: number;
  plan(ctx: ReconstructContext): void;
}

/**
 * Method syntax on purpose: a DeviceDriver<PitState> is then usable where the registry holds
 * DeviceDriver<unknown>; the hypervisor hands each driver back only the shadow it made.
 */
export interface DeviceDriver<S = unknown> {
  /** Board device names it covers (their schemas' names). */
  readonly devices: readonly string[];
  /** Port ranges its device(s) decode, where the board puts them (src/board/layout.ts); its intercepts lie in them. */
  readonly ports: readonly PortRange[];
  /** MMIO windows (bases) its device(s) decode, from the board. */
  readonly mmio: readonly number[];
  /** ISA IRQ lines its device(s) drive (src/board/layout.ts). */
  readonly irqs: readonly number[];
  /** Injected faults that concern it (faults.ts). */
  readonly faults: readonly FaultSpec[];
  readonly captureStage: CaptureStage;
  /** When the stage depends on the machine the driver attached to (its shadow says): overrides captureStage. */
  captureStageOf?(shadow: S): CaptureStage;
  /** Install intercepts and make the write-only shadow (once, when the hypervisor attaches). */
  attach?(ctx: AttachContext): S;
  /** Write-only fields the shadow does not know now, as "device.field". */
  unknownFields?(shadow: S): string[];
  /** A guest agent's report (agent.ts): supply it to the shadow; the key it is reported under, or null to ignore. */
  agentReport?(shadow: S, device: string, field: string, channel: number, value: number): string | null;
  capture(ctx: CaptureContext, shadow: S): DriverCapture;
  /** ISA lines its device(s) hold high, as the captured state says (a bit per IRQ). */
  lineLevels?(captured: CapturedLookup): number;
  /** Interrupt controllers: fill in their input levels (`line` fields) from the ISA lines. */
  inferInputs?(devices: ReadonlyMap<string, CapturedDevice>, lines: number): void;
  /** How reconstruction raises its line (8259A in-service IRs, level deliveries). */
  readonly irqLine?: IrqLineGenerator;
  readonly reconstruct: readonly ReconstructStep[];
  /** Instructions of destination window its timed actions need to be exact. */
  window?(capture: CaptureResult, hz: number): number;
  /**
   * An upper bound of the device time (instructions) its actions at the switch window's start
   * take — a drive's commands wait out BSY — so the switch window is long enough for them
   * (destination.ts, switchFloor). Absent: its work there takes no device time.
   */
  switchWork?(capture: CaptureResult): number;
  /**
   * Time-driven devices: the icount of the guest's last access that changed what their ahead
   * reconstruction actions (DriverTimeline.at) follow from; -1 if none since the attach.
   */
  timeConfigAt?(shadow: S): number;
}
