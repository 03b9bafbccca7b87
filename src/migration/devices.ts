/**
 * Where device state comes from and goes to: the thin hypervisor (src/hypervisor/), never the
 * device objects. The engine sees only these two interfaces, so the hypervisor's capture and
 * reconstruction drivers plug in as they are, and tests can plug in what they need.
 */
import type { CaptureResult, ReconstructReport } from '../hypervisor/api.js';
import type { Machine } from '../board/machine.js';

/** The source's hypervisor (ThinHypervisor satisfies it). */
export interface DeviceCapture {
  /** Stop-and-copy: with the guest stopped, capture every device through the bus. */
  captureDevices(): CaptureResult;
  /** The migration failed after capture: put the devices back so the guest resumes unharmed. */
  restoreSource(capture: CaptureResult): void;
  /** What the last capture disturbed on the source, and its residuals (sent along to the destination's trace). */
  readonly lastNotes?: readonly string[];
  /**
   * The icount of the guest's last access that changed the configuration of a time-driven
   * device (the PIT's control words, counts and GATE2; the RTC's time, alarm, A and B bytes and
   * register C reads): their state at the switch-over follows from it (-1: none seen).
   */
  timeConfigChangedAt?(): number;
}

/** The destination's hypervisor. */
export interface DeviceReconstruction {
  /**
   * Bring `machine`'s devices to the captured state through their registers (and DMA), in a
   * window before `capture.switchIcount`, leaving the clock at exactly the switch-over icount.
   * `faults` are the injected bugs the source named (MACHINE section).
   */
  reconstruct(machine: Machine, capture: CaptureResult, faults: readonly string[]): ReconstructReport;
}
