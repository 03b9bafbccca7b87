/**
 * The thin hypervisor (src/hypervisor/) as the migration engine's device capture and
 * reconstruction: BareMetalHypervisor on the source (attached from power-on, so its shadows
 * saw every write-only register), reconstructDevices on the destination.
 */
import type { CaptureResult, ReconstructReport } from '../hypervisor/api.js';
import { reconstructDevices, reconstructionBudget } from '../hypervisor/destination.js';
import { BareMetalHypervisor } from '../hypervisor/hypervisor.js';
import type { Machine } from '../machine/machine.js';
import type { DeviceReconstruction } from './devices.js';

/** Attach the source's hypervisor; do it before the first instruction. */
export function attachHypervisor(machine: Machine, faults: readonly string[] = []): BareMetalHypervisor {
  return BareMetalHypervisor.attach(machine, { attach: 'boot', faults: new Set(faults) });
}

/**
 * The destination's hypervisor. The engine's part of the contract: advance the fresh machine,
 * guest paused, to the start of the reconstruction window; reconstructDevices ends it at the
 * switch-over icount.
 */
export const hypervisorReconstruction: DeviceReconstruction = {
  reconstruct(machine: Machine, capture: CaptureResult, faults: readonly string[]): ReconstructReport {
    const budget = reconstructionBudget(capture, machine.clock.hz);
    const start = Math.max(machine.clock.icount, capture.switchIcount - budget);
    machine.advancePaused(start - machine.clock.icount);
    return reconstructDevices(machine, capture, { attach: 'boot', agent: false, faults: new Set(faults) });
  },
};
