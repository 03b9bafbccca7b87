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
  /** Only post-copy serves pages on demand after the switch-over. */
  readonly postcopyOnly?: boolean;
  readonly effect: string;
}

export const LAST_DIRTY_ROUND_SKIPPED = 'last-dirty-round-skipped';
export const DIRTY_BIT_LOST = 'dirty-bit-lost';
export const CPU_INTERRUPT_SHADOW_LOST = 'cpu-interrupt-shadow-lost';
export const SEGMENT_CACHE_LOST = 'segment-cache-lost';
export const LATE_ATTACH_WITHOUT_AGENT = 'late-attach-without-agent';
export const CR3_NOT_CARRIED = 'cr3-not-carried';
export const CR4_PSE_DROPPED = 'cr4-pse-dropped';
export const CR2_LOST = 'cr2-lost';
export const TR_CACHE_LOST = 'tr-cache-lost';
export const TSS_BUSY_BIT_LOST = 'tss-busy-bit-lost';
export const WALKER_DIRTY_BIT_UNTRACKED = 'walker-dirty-bit-untracked';
export const POSTCOPY_PAGE_TABLE_STALE = 'postcopy-page-table-stale';
export const TOP_PAGE_NOT_SENT = 'top-page-not-sent';

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
    name: CR3_NOT_CARRIED,
    breaks: 'cpu',
    precopyOnly: false,
    effect: 'the CPU section carries CR3 = 0 (the VMCS guest CR3 not saved): the destination keeps its reset CR3, so a paging guest walks a page directory at physical 0',
  },
  {
    name: CR4_PSE_DROPPED,
    breaks: 'cpu',
    precopyOnly: false,
    effect: 'the CPU section carries CR4 without PSE (bit 4), as a VMM that masks CR4 to the features it thinks the destination has: a directory entry with PS set no longer maps a 4 MiB page but names a page table',
  },
  {
    name: CR2_LOST,
    breaks: 'cpu',
    precopyOnly: false,
    effect: 'the CPU section carries CR2 = 0 (CR2 is not in the VMCS: a VMM saves it by hand, and this one does not): a guest stopped between a page fault and its handler\'s read of CR2 handles a fault at linear address 0',
  },
  {
    name: TR_CACHE_LOST,
    breaks: 'cpu',
    precopyOnly: false,
    effect: 'the task register is carried as its selector only (VMCS guest TR base/limit/access rights not saved): the destination keeps its power-on TR cache — base 0, limit 0xFFFF, busy 16-bit TSS — so the next interrupt from ring 3 takes SS0:ESP0 from physical address 4',
  },
  {
    name: TSS_BUSY_BIT_LOST,
    breaks: 'memory',
    precopyOnly: false,
    effect: 'the destination restores TR the way a VMM that reloads it with LTR must prepare for (LTR faults on a busy TSS): it clears the busy bit (type 0xB → 0x9) of TR\'s descriptor in the guest\'s GDT, then loads the cache from the CPU section and never sets the bit again — the GDT page differs, and a task switch to or IRET into that TSS goes wrong',
  },
  {
    name: WALKER_DIRTY_BIT_UNTRACKED,
    breaks: 'memory',
    precopyOnly: true,
    effect: 'the dirty log misses the page walker\'s Accessed/Dirty writes (KVM\'s shadow MMU once set guest A/D bits without marking the page dirty): a page whose only change since a round sent it is A/D bits in its entries — a page table after the guest\'s first write through one of them — is not resent, and the destination keeps it with the bits clear',
  },
  {
    name: TOP_PAGE_NOT_SENT,
    breaks: 'memory',
    precopyOnly: true,
    effect: 'the stop-and-copy\'s scan of the dirty bitmap stops one page short (an off-by-one in the bitmap\'s last word: `page < pages - 1`), so the highest RAM page is never in its dirty set: a guest that wrote the top page of RAM after the last pre-copy round sent it leaves the destination with that round\'s copy',
  },
  {
    name: POSTCOPY_PAGE_TABLE_STALE,
    breaks: 'memory',
    precopyOnly: false,
    postcopyOnly: true,
    effect: 'the source answers post-copy requests for the pages that hold the guest\'s paging structures (the directory CR3 names and every page table a present entry points to) from a RAM snapshot taken before the guest built them — zeros — instead of its frozen RAM: the destination\'s first walk reads a stale table',
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
  for (const f of MIGRATION_FAULTS) {
    if (!faults.includes(f.name)) continue;
    if (strategy === 'postcopy' && f.precopyOnly) {
      throw new InputError('FAULT_NEEDS_PRECOPY', `--fault ${f.name} acts on pre-copy's dirty log; post-copy has none (use --strategy precopy)`);
    }
    if (strategy === 'precopy' && f.postcopyOnly === true) {
      throw new InputError('FAULT_NEEDS_POSTCOPY', `--fault ${f.name} acts on the pages post-copy serves on demand; pre-copy serves none (use --strategy postcopy)`);
    }
  }
}
