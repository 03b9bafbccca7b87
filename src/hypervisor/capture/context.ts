/**
 * What every capture driver gets: the hypervisor's bus access, its shadows, its options, a
 * place for notes (what was disturbed on the source and how it was put back, residuals).
 */
import type { HypervisorOptions } from '../api.js';
import type { HvIo } from '../hv-io.js';
import type { Shadows } from '../shadows/index.js';

export interface CaptureContext {
  readonly io: HvIo;
  readonly shadows: Shadows;
  readonly options: HypervisorOptions;
  readonly notes: string[];
  /** The switch-over icount: capture describes the devices as they were then. */
  readonly switchIcount: number;
  /** Dummy frames the NIC probe sent and received (for the report). */
  nicFrames: number;
  /**
   * Things to watch while virtual time passes, guest paused, one instruction at a time from
   * the switch-over (the LAPIC timer's count ticking, an ATA drive's BSY dropping): each is
   * checked with the instructions elapsed so far and returns true once it has its answer.
   */
  probes: Probe[];
  /** Steps that drive devices (and take time), run after the probes: putting the source back. */
  after: (() => void)[];
}

export interface Probe {
  readonly limit: number;
  check(elapsed: number): boolean;
  giveUp(): void;
}
