/**
 * Injected migration bugs, the engine's half of the verifier's fault catalog (the hypervisor's
 * half is src/hypervisor/faults.ts). Each is a plausible mistake of a live-migration engine
 * (BLMVisor 3.2-3.3: the dirty log, the VMCS, a dynamic attach) and each changes the
 * destination, so the verifier has something to catch. Names are stable: traces, reports and
 * the verifier's catalog refer to them.
 *
 * `--fault` takes names from both halves; unknown names are refused (a typo must not
 * silently run a clean migration). The hypervisor is only ever handed its own.
 */
import { InputError } from '../errors.js';
import { FAULT_NAMES as HYPERVISOR_FAULT_NAMES, HYPERVISOR_FAULTS } from '../hypervisor/faults.js';

export interface MigrationFaultSpec {
  readonly name: string;
  /** What it breaks: memory pages, a CPU field, or the devices' write-only state. */
  readonly breaks: 'memory' | 'cpu' | 'devices';
  /** Only pre-copy has rounds and a dirty log to get wrong. */
  readonly precopyOnly: boolean;
  readonly effect: string;
}

export const LAST_DIRTY_ROUND_SKIPPED = 'last-dirty-round-skipped';
export const DIRTY_BIT_LOST = 'dirty-bit-lost';
export const CPU_INTERRUPT_SHADOW_LOST = 'cpu-interrupt-shadow-lost';
export const SEGMENT_CACHE_LOST = 'segment-cache-lost';
export const LATE_ATTACH_WITHOUT_AGENT = 'late-attach-without-agent';

export const MIGRATION_FAULTS: readonly MigrationFaultSpec[] = [
  {
    name: LAST_DIRTY_ROUND_SKIPPED,
    breaks: 'memory',
    precopyOnly: true,
    effect: 'the stop-and-copy does not send the dirty set left by the last pre-copy round: every page the guest changed during that round is stale on the destination',
  },
  {
    name: DIRTY_BIT_LOST,
    breaks: 'memory',
    precopyOnly: true,
    effect: 'one page\'s dirty bit is dropped from the stop-and-copy\'s dirty set — the first page (lowest number) of that set whose bytes the guest really changed since a round last sent it — so the destination keeps the stale copy',
  },
  {
    name: CPU_INTERRUPT_SHADOW_LOST,
    breaks: 'cpu',
    precopyOnly: false,
    effect: 'the CPU section carries interrupt_shadow = false (VMCS guest interruptibility state not saved): a guest stopped right after STI or MOV SS takes a pending interrupt one instruction early',
  },
  {
    name: SEGMENT_CACHE_LOST,
    breaks: 'cpu',
    precopyOnly: false,
    effect: 'the hidden segment descriptor caches are not carried (VMCS guest segment base/limit/access rights not saved) but rebuilt from each selector — selector × 16 in real mode, the GDT descriptor in protected mode — so a guest whose caches differ from that (between setting CR0.PE and the far jump, unreal mode, a GDT changed after the load) loses them',
  },
  {
    name: LATE_ATTACH_WITHOUT_AGENT,
    breaks: 'devices',
    precopyOnly: false,
    effect: 'the hypervisor is attached late (at --attach-at, default the migration start) with no guest agent: write-only state the guest wrote before the attach is unknown at capture and reconstructed as zero',
  },
];

export const MIGRATION_FAULT_NAMES: ReadonlySet<string> = new Set(MIGRATION_FAULTS.map((f) => f.name));

/** Every injectable fault: the hypervisor's and the engine's. */
export const ALL_FAULT_NAMES: readonly string[] = [...HYPERVISOR_FAULTS.map((f) => f.name), ...MIGRATION_FAULTS.map((f) => f.name)];

/** Refuse unknown names (InputError UNKNOWN_FAULT); returns the list unchanged. */
export function checkFaultNames(faults: readonly string[], flag = '--fault'): readonly string[] {
  for (const f of faults) {
    if (!HYPERVISOR_FAULT_NAMES.has(f) && !MIGRATION_FAULT_NAMES.has(f)) {
      throw new InputError('UNKNOWN_FAULT', `${flag} ${f}: no such fault (known: ${ALL_FAULT_NAMES.join(', ')})`);
    }
  }
  return faults;
}

/** The faults the hypervisor acts on (it refuses any other name). */
export function hypervisorFaults(faults: readonly string[]): Set<string> {
  return new Set(faults.filter((f) => HYPERVISOR_FAULT_NAMES.has(f)));
}

/** Refuse engine faults that the strategy has no place for. */
export function checkFaultsForStrategy(faults: readonly string[], strategy: 'precopy' | 'postcopy'): void {
  if (strategy === 'precopy') return;
  for (const f of MIGRATION_FAULTS) {
    if (f.precopyOnly && faults.includes(f.name)) {
      throw new InputError('FAULT_NEEDS_PRECOPY', `--fault ${f.name} acts on pre-copy's dirty log; post-copy has none (use --strategy precopy)`);
    }
  }
}
