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

export interface FaultSpec {
  readonly name: string;
  readonly side: 'capture' | 'reconstruct';
  readonly device: string;
  /** Which field(s) end up wrong on the destination, and why. */
  readonly effect: string;
}

export const HYPERVISOR_FAULTS: readonly FaultSpec[] = [
  {
    name: 'icw4-shadow-skipped',
    side: 'capture',
    device: 'pic.master',
    effect: 'the 8259A shadow ignores ICW4 (8259A datasheet, ICW4): auto_eoi, special_fully_nested_mode, buffered_mode and microprocessor_mode are captured as 0, so a guest in auto-EOI mode loses it',
  },
  {
    name: 'pit-latch-lost',
    side: 'capture',
    device: 'pit',
    effect: 'a counter-latch command the guest issued but has not read yet (8254 datasheet, "Counter Latch Command") is forgotten: count_latched/latched_count are 0 on the destination, so the guest reads the live count instead of the latched one',
  },
  {
    name: 'pit-flipflop-lost',
    side: 'capture',
    device: 'pit',
    effect: 'the lobyte/hibyte write flip-flop is not tracked: a migration between the two bytes of a count write reconstructs write_state = LSB-next, so the guest\'s high byte lands as a low byte',
  },
  {
    name: 'cmos-index-forgotten',
    side: 'reconstruct',
    device: 'rtc',
    effect: 'the CMOS index (port 0x70, write-only) is not replayed last: the destination keeps the index the reconstruction itself used, and the NMI-disable bit is lost',
  },
  {
    name: 'uart-divisor-dropped',
    side: 'reconstruct',
    device: 'uart',
    effect: 'the divisor latch (DLL/DLM behind LCR.DLAB) is not written on the destination: it keeps the reset divisor 12 (9600 baud), so character times (transmit pacing, FIFO timeout) change',
  },
  {
    name: 'nic-rx-pointer-off-by-one',
    side: 'reconstruct',
    device: 'rtl8169',
    effect: 'one dummy frame too many is received while driving the RTL8169 RX head (BLMVisor 4.5, figure 4.2): rx_head is one descriptor ahead, so the next frame lands in the wrong descriptor',
  },
  {
    name: 'ioapic-redirection-forgotten',
    side: 'reconstruct',
    device: 'ioapic',
    effect: 'the IOAPIC redirection table is not written on the destination: every entry stays masked (82093AA reset), so interrupts routed through the IOAPIC never arrive',
  },
];

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
