/**
 * Hypervisor errors, with stable codes (src/errors.ts): tests and the migration engine tell
 * them apart by `code`, never by message text.
 *
 * - HV_UNKNOWN_FAULT: HypervisorOptions.faults names a fault the catalog (faults.ts) lacks.
 * - HV_DETACHED: the hypervisor was asked to capture after detach().
 * - HV_MACHINE_MISMATCH: a capture does not fit the destination (a device missing, another schema version).
 * - HV_WINDOW: the destination's clock is already past the switch-over icount.
 * - HV_NIC_PROBE: the RTL8169 did not behave as the dummy-frame technique needs (BLMVisor 4.4.2).
 */
import { MigtraceError } from '../errors.js';

export class HypervisorError extends MigtraceError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'HypervisorError';
  }
}
