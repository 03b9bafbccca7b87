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
  /** Set by the LAPIC capture when its timer needs watching (a step that takes time). */
  lapicTimerProbe?: (switchIcount: number) => void;
}
