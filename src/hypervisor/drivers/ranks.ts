/**
 * Where each driver's reconstruction steps stand (ReconstructStep.rank): steps are planned in
 * rank order, and on the timeline actions at the same icount run in rank order. One table, so
 * the whole order reads in one place; each driver names its own entries.
 *
 * - before everything: the local APIC timer's initial count, written at the exact icount that
 *   leaves its captured time; actions that only want to come first are placed at the earliest
 *   timed action's icount, and must not delay it;
 * - window start: the 8259A pair first — putting its IRs in service drives the devices behind
 *   the lines, and each device's own step then overwrites what that left;
 * - devices: each device's own timed actions (window start, phase-timed writes, and what it
 *   must do at the switch-over itself). Among them the order only matters where two act at
 *   the same icount; it is the order the hypervisor has always used (its traces are golden);
 * - switch-over, after every device's own actions, when every line has its final level: the
 *   8259A's requests and masks, then the local APIC's in-service vectors (level ones through
 *   IOAPIC pins with temporary entries), the IOAPIC's own redirection table, the local APIC's
 *   pending vectors; CONFIG_ADDRESS last, since every configuration cycle before changes it.
 *
 * A new device with no ordering needs takes `anyDevice`.
 */
export const RANK = {
  // The local APIC timer's phase write: an exact icount that nothing placed at the same icount
  // may delay (lapic/reconstruct.ts, reconstructLapicTimer).
  lapicTimer: 5,
  picStart: 10,
  pciHostHeader: 20,
  // The 8042's output port writes the A20 latch too: port 0x92 (sysctl) after it has the last word.
  i8042: 25,
  systemControl: 30,
  post: 40,
  rtl8169: 50,
  ata: 60,
  lapicRegisters: 70,
  rtc: 80,
  uart: 90,
  pit: 100,
  crtc: 120,
  anyDevice: 150,
  picSwitchOver: 200,
  lapicInService: 210,
  ioapic: 220,
  lapicPending: 230,
  pciConfigAddress: 240,
} as const;
