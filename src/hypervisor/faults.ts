/**
 * Injected migration bugs, the hypervisor-side half of the verifier's fault catalog. Each one
 * is a plausible mistake a thin hypervisor could make (BLMVisor, sections 3.3–4.5) and each
 * changes the destination, so the verifier has something to catch. Names are stable: traces,
 * reports and the verifier's catalog refer to them.
 *
 * Where the fault acts:
 * - capture side: the captured value is wrong or missing (the shadow lost it);
 * - reconstruct side: the captured value is right but the destination is built wrong.
 */
import { HypervisorError } from './errors.js';
import { DRIVERS } from './drivers/index.js';
import type { FaultSpec } from './drivers/driver.js';

export type { FaultSpec };

/** Each driver owns the faults that concern its device; the catalog is theirs, in registry order. */
export const HYPERVISOR_FAULTS: readonly FaultSpec[] = DRIVERS.flatMap((d) => d.faults);

export const FAULT_NAMES: ReadonlySet<string> = new Set(HYPERVISOR_FAULTS.map((f) => f.name));

/** Refuse unknown fault names (a typo must not silently run a clean migration). */
export function checkFaults(faults: ReadonlySet<string>): void {
  for (const f of faults) {
    if (!FAULT_NAMES.has(f)) {
      throw new HypervisorError(
        'HV_UNKNOWN_FAULT',
        `unknown hypervisor fault "${f}"; known: ${[...FAULT_NAMES].join(', ')}`,
      );
    }
  }
}
