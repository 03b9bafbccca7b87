/**
 * What `migtrace demo --guest NAME` tells for each guest it knows a story for: where to
 * migrate, which bug to inject, and the lines that set the scene. Any other built-in guest
 * runs with the generic defaults. A third-party guest (guests/third-party.json) must be built
 * first; the demo refuses it in one line otherwise.
 */
import { InputError } from '../errors.js';
import { HYPERVISOR_FAULTS } from '../hypervisor/faults.js';
import { MIGRATION_FAULTS } from '../migration/faults.js';
import { listThirdPartyGuests } from '../guests/catalog.js';
import { missingFiles } from '../guests/third-party.js';

export interface DemoStory {
  /** Guest arguments (a built-in guest's). */
  readonly args?: string;
  /** Where the migration begins. */
  readonly at: number;
  /** The bug injected the second time. */
  readonly fault: string;
  /** Printed before step 1. */
  readonly intro: readonly string[];
}

const GENERIC: DemoStory = { at: 5_000_000, fault: 'icw4-shadow-skipped', intro: [] };

export const DEMO_STORIES: Readonly<Record<string, DemoStory>> = {
  timer: {
    args: 'hz=1000 every=100 ticks=200 eoi=auto',
    at: 5_000_000,
    fault: 'icw4-shadow-skipped',
    intro: [],
  },
  linux: {
    // 120 M: pre-copy while the kernel probes its drivers (8250 registered, pata_legacy and
    // r8169 next); Linux put the 8259A in auto-EOI mode (ICW4) at ~49 M when it moved to the
    // IOAPIC — a write-only bit only a hypervisor that watched that write knows.
    at: 120_000_000,
    fault: 'icw4-shadow-skipped',
    intro: [
      'Linux 6.1, unmodified, boots on migtrace with its own drivers (8250, r8169, pata_legacy, rtc-cmos, the IOAPIC);',
      'its /init checks fork, exec, pipes, timers and files, prints ALL OK and powers off. BLMVisor\'s question: can a thin',
      'hypervisor move it live, mid-boot, when some device state is write-only (the guest wrote it once, long ago)?',
    ],
  },
};

export function demoStory(guest: string): DemoStory {
  return DEMO_STORIES[guest] ?? GENERIC;
}

/** A third-party guest that is not built is refused now, naming the command that builds it. */
export function checkDemoGuestBuilt(guest: string): void {
  const third = listThirdPartyGuests().find((g) => g.name === guest);
  if (third === undefined) return;
  const missing = missingFiles(third);
  if (missing.length > 0) {
    throw new InputError('GUEST_NOT_BUILT', `demo --guest ${guest}: the ${guest} guest is not built (${missing[0]} is missing): build it with npm run guests:third-party`);
  }
}

/** What an injected fault breaks, from the fault catalog. */
export function faultEffect(name: string): string | undefined {
  return [...HYPERVISOR_FAULTS, ...MIGRATION_FAULTS].find((f) => f.name === name)?.effect;
}
