/**
 * The contract between the thin hypervisor (src/hypervisor/) and the migration engine
 * (src/migration/). The hypervisor reaches devices only through the bus (port and MMIO
 * accesses, marked with the hypervisor origin) and DMA — never through their oracle state,
 * because a real bare-metal hypervisor has none (BLMVisor, section 3.2):
 *
 * - readable registers are read at stop-and-copy;
 * - write-only registers are known from watching the guest write them (shadows, kept from
 *   attach time on by intercepting monitored ports: the VM exits);
 * - internal state is inferred by driving the device (RTL8169 dummy frames) and, on the
 *   destination, reconstructed the same way.
 *
 * Time: hypervisor work happens with the guest paused while virtual time passes
 * (Machine.advancePaused). On the destination, reconstruction runs in the window
 * [switchIcount - budget, switchIcount] and ends exactly at the switch-over icount, so the
 * guest resumes at the same virtual time it stopped at on the source.
 *
 * Implementations: BareMetalHypervisor (hypervisor.ts) is the source's ThinHypervisor;
 * reconstructDevices and reconstructionBudget (destination.ts) are the destination's side.
 * docs/hypervisor.md has the intercept policy, each device's read / shadow / inferred fields
 * and the residuals; docs/guest-agent.md the late-attach agent ports.
 */
import type { Machine } from '../board/machine.js';
import type { FieldValue } from '../devices/schema.js';

/** How the hypervisor learned a field's value. */
export type Provenance = 'read' | 'shadow' | 'inferred' | 'agent' | 'constant';

/** One device's state as the hypervisor captured it, keyed by the device schema's field names. */
export interface CapturedDevice {
  /** Device name as in its schema (e.g. "pic.master"). */
  device: string;
  schemaVersion: number;
  /** Values captured; fields listed in `unknown` are absent. */
  fields: Record<string, FieldValue>;
  provenance: Record<string, Provenance>;
  /** Fields it could not learn: write-only state the guest wrote before a late attach, with no agent. */
  unknown: string[];
}

export interface CaptureResult {
  /** The icount at which the guest was stopped (the switch-over point). */
  switchIcount: number;
  devices: CapturedDevice[];
  /** Virtual instructions that passed, guest paused, while the hypervisor drove devices. */
  pausedInstructions: number;
}

export interface HypervisorOptions {
  /** 'boot': monitoring from power-on; 'late': attached now, after the guest has booted. */
  attach: 'boot' | 'late';
  /** Accept write-only values from a guest agent (for late attach). */
  agent: boolean;
  /** Injected migration bugs by name (the verifier's fault catalog); empty in normal use. */
  faults: ReadonlySet<string>;
}

export interface ReconstructReport {
  /** Instructions of the destination's pre-switch-over window the reconstruction used. */
  budget: number;
  /**
   * Of that window: from the first time-driven action that configuration known before the
   * stop allows (a destination runs it during pre-copy) to the switch-over …
   */
  aheadInstructions: number;
  /** … and from the first timed action that needs the switch-over state to the switch-over. */
  residualInstructions: number;
  /** Port/MMIO accesses of the actions that need the switch-over state (the register writes). */
  switchAccesses: number;
  /** Frames the hypervisor sent/received to drive internal pointers. */
  dummyFrames: number;
  notes: string[];
}

export interface ThinHypervisor {
  readonly machine: Machine;
  readonly options: HypervisorOptions;
  /** VM exits so far (monitored accesses that trapped), by device name. */
  exits(): Record<string, number>;
  /** Write-only fields whose values are unknown right now (late attach, not yet written, no agent). */
  unknownFields(): string[];
  /** Stop-and-copy: with the guest stopped at the current icount, capture every device. */
  captureDevices(): CaptureResult;
  /** A migration failed after capture: put the source's devices back so the guest resumes unharmed. */
  restoreSource(capture: CaptureResult): void;
  /** Stop monitoring. */
  detach(): void;
}
