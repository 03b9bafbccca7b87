/**
 * The thin hypervisor (src/hypervisor/) as the migration engine's device capture and
 * reconstruction: BareMetalHypervisor on the source (attached from power-on, so its shadows
 * saw every write-only register — or attached late, see HypervisorAttachment),
 * reconstructDevices on the destination. Each side is handed only the hypervisor's own
 * faults (faults.ts): the engine's are the engine's business.
 */
import type { CaptureResult, ReconstructReport } from '../hypervisor/api.js';
import { reconstructDevices, reconstructionBudget } from '../hypervisor/destination.js';
import { BareMetalHypervisor } from '../hypervisor/hypervisor.js';
import type { Machine } from '../board/machine.js';
import type { DeviceReconstruction } from './devices.js';
import { hypervisorFaults } from './faults.js';

/**
 * How the source's hypervisor came to the guest: at power-on, or late (a dynamic hypervisor,
 * background/000) at `icount`, with or without a guest agent (docs/guest-agent.md). The
 * destination learns it (SWITCH_OVER) and its trace keeps it, so the verifier can say why a
 * write-only field was not captured.
 */
export interface HypervisorAttachment {
  readonly mode: 'boot' | 'late';
  readonly icount: number;
  readonly agent: boolean;
}

export const BOOT_ATTACHMENT: HypervisorAttachment = { mode: 'boot', icount: 0, agent: false };

/** Attach the source's hypervisor: before the first instruction, or (late) on the running guest now. */
export function attachHypervisor(machine: Machine, faults: readonly string[] = [], attachment: HypervisorAttachment = BOOT_ATTACHMENT): BareMetalHypervisor {
  return BareMetalHypervisor.attach(machine, { attach: attachment.mode, agent: attachment.agent, faults: hypervisorFaults(faults) });
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
    return reconstructDevices(machine, capture, { attach: 'boot', agent: false, faults: hypervisorFaults(faults) });
  },
};
