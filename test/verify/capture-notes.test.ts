/**
 * The destination trace's record of what the source captured (src/trace/switch-over-capture.ts)
 * and what the verifier makes of it: a versioned, checksummed blob that round-trips, and per
 * difference a note saying whether the field was not captured (and why) or captured by what as
 * what — which tells the capture's fault from the reconstruction's.
 */
import { describe, expect, it } from 'vitest';
import type { CpuState } from '../../src/machine/cpu/cpu.js';
import {
  PAGE_ROUND_STOP_AND_COPY,
  decodeSwitchOverCapture,
  encodeSwitchOverCapture,
  type SwitchOverCapture,
} from '../../src/trace/switch-over-capture.js';
import { captureNote, uncapturedFields } from '../../verify/capture-notes.js';
import type { StateDifference } from '../../verify/state-compare.js';

const seg = { selector: 0x10, base: 0, limit: 0xffffffff, attributes: 0xc093 };
const cpu = {
  eax: 1, ecx: 0, edx: 0, ebx: 0, esp: 0x9000, ebp: 0, esi: 0, edi: 0, eip: 0x7e10, eflags: 0x202,
  es: seg, cs: { ...seg, selector: 8, attributes: 0xc09b }, ss: seg, ds: seg, fs: seg, gs: seg,
  ldtr: { selector: 0, base: 0, limit: 0, attributes: 0x10000 }, tr: { selector: 0, base: 0, limit: 0, attributes: 0x10000 },
  gdtr: { base: 0x7d00, limit: 23 }, idtr: { base: 0, limit: 0x3ff },
  cr0: 0x11, cr2: 0, cr3: 0, cr4: 0, dr0: 0, dr1: 0, dr2: 0, dr3: 0, dr6: 0, dr7: 0, cpl: 0, interruptShadow: false, halted: false,
} as CpuState;

function record(over: Partial<SwitchOverCapture> = {}): SwitchOverCapture {
  const pageRounds = new Uint8Array(64);
  pageRounds[3] = 1;
  pageRounds[4] = 2;
  pageRounds[5] = PAGE_ROUND_STOP_AND_COPY;
  return {
    icount: 5000,
    strategy: 'precopy',
    faults: ['icw4-shadow-skipped'],
    attach: { mode: 'late', icount: 4000, agent: false },
    notes: ['not captured (…): pic.master.auto_eoi'],
    cpu,
    devices: [
      { device: 'pic.master', schemaVersion: 1, fields: { irq_base: 0x20, imr: 0xfe }, provenance: { irq_base: 'shadow', imr: 'read' }, unknown: ['auto_eoi'] },
      { device: 'pit', schemaVersion: 2, fields: { count: [0x2e9c, 0, 0] }, provenance: { count: 'agent' }, unknown: [] },
    ],
    rounds: [{ round: 1, startIcount: 1000, endIcount: 2000 }, { round: 2, startIcount: 2000, endIcount: 2500 }],
    pageRounds,
    ...over,
  };
}

function field(device: string, name: string, reference: number, destination: number, index?: number): StateDifference {
  return { kind: 'device', path: `${device}.${name}${index === undefined ? '' : `[${index}]`}`, reference, destination, essential: true, device, field: name, index, width: 8 };
}

describe('the switch-over capture record', () => {
  it('round-trips, page rounds included, and without them (post-copy)', () => {
    const c = record();
    const back = decodeSwitchOverCapture(encodeSwitchOverCapture(c));
    expect({ ...back, pageRounds: [...back.pageRounds!] }).toEqual({ ...c, pageRounds: [...c.pageRounds!] });
    const post = decodeSwitchOverCapture(encodeSwitchOverCapture(record({ strategy: 'postcopy', pageRounds: null })));
    expect(post.pageRounds).toBeNull();
  });

  it('refuses a damaged record, another major or a newer minor, with both versions in the message', () => {
    const bytes = encodeSwitchOverCapture(record());
    const damaged = bytes.slice();
    damaged[40] ^= 1;
    expect(() => decodeSwitchOverCapture(damaged, 'the record')).toThrow(/the record is not a usable switch-over capture record: checksum mismatch/);
    const newer = bytes.slice();
    newer[18] = 9;
    expect(() => decodeSwitchOverCapture(newer, 'the record')).toThrow(/capture record format 1\.9, newer than the format this migtrace reads \(1\.0\)/);
    expect(() => decodeSwitchOverCapture(new Uint8Array(80), 'the record')).toThrow(/no capture record magic/);
  });
});

describe('what the verifier says the migration knew about a differing field', () => {
  const c = record();

  it('a field the source could not capture: not captured, and why (late attach without an agent)', () => {
    expect(captureNote(c, field('pic.master', 'auto_eoi', 1, 0))).toBe('not captured: the hypervisor attached late, at icount 4000, without a guest agent');
    expect(captureNote(record({ attach: { mode: 'late', icount: 4000, agent: true } }), field('pic.master', 'auto_eoi', 1, 0))).toBe(
      'not captured: the hypervisor attached late, at icount 4000, and the guest agent did not report it',
    );
    expect(uncapturedFields(c)).toEqual(['pic.master.auto_eoi']);
  });

  it('a captured field: by what and as what, and which half went wrong', () => {
    expect(captureNote(c, field('pic.master', 'irq_base', 0x20, 0x08))).toBe('captured by shadow (the guest\'s trapped writes) as 0x20: right when captured, the destination did not rebuild it');
    expect(captureNote(c, field('pic.master', 'imr', 0xff, 0xfe))).toBe('captured by reading the register as 0xfe: the capture was already wrong');
    expect(captureNote(c, field('pit', 'count', 0x2e9c, 0, 0))).toMatch(/^captured by the guest agent as 0x2e9c: right when captured/);
    expect(captureNote(c, field('uart', 'fcr', 1, 0))).toBeNull();
  });

  it('a field the source noted as not exactly reconstructible: the note is quoted', () => {
    const c = record({
      notes: ['capture: uart.fifo_timeout_timer: inferred; not exactly reconstructible (a full receive FIFO while the transmitter is busy)', 'capture: uart: something else'],
      devices: [{ device: 'uart', schemaVersion: 2, fields: { fifo_timeout_timer: 30000 }, provenance: { fifo_timeout_timer: 'inferred' }, unknown: [] }],
    });
    expect(captureNote(c, field('uart', 'fifo_timeout_timer', 30000, 29000))).toBe(
      'captured by inference as 0x7530: right when captured, the destination did not rebuild it; the hypervisor noted: inferred; not exactly reconstructible (a full receive FIFO while the transmitter is busy)',
    );
  });

  it('an array element the hypervisor noted by its index (a reconstruction note): quoted once', () => {
    const c = record({
      notes: ['rtc.cmos[12]: register C flag 0x20 needs an event before the window: not reconstructed', 'rtc.cmos[12]: register C flag 0x20 needs an event before the window: not reconstructed', 'rtc.cmos[11]: something else'],
      devices: [{ device: 'rtc', schemaVersion: 1, fields: { cmos: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20] }, provenance: { cmos: 'read' }, unknown: [] }],
    });
    expect(captureNote(c, field('rtc', 'cmos', 0x20, 0, 12))).toBe(
      'captured by reading the register as 0x20: right when captured, the destination did not rebuild it; the hypervisor noted: register C flag 0x20 needs an event before the window: not reconstructed',
    );
  });

  it('a CPU field: what the CPU section carried', () => {
    expect(captureNote(c, { kind: 'cpu', path: 'cpu.interrupt_shadow', reference: 1, destination: 0, essential: true, width: 1 })).toBe('the CPU section carried 0: the source sent it wrong');
    expect(captureNote(c, { kind: 'cpu', path: 'cpu.cs.limit', reference: 0xffffffff, destination: 0xffff, essential: true })).toBe('the CPU section carried 0xffffffff: sent right, the destination did not load it');
  });

  it('a memory page: the pre-copy round that last sent it, or the stop-and-copy, or never', () => {
    const page = (p: number): StateDifference => ({ kind: 'memory', path: `memory page ${p}`, reference: 'a', destination: 'b', essential: true, page: p });
    expect(captureNote(c, page(4))).toBe('the migration last sent it in pre-copy round 2 (the source ran icount 2000–2500 meanwhile), not at the stop-and-copy');
    expect(captureNote(c, page(5))).toBe('the migration sent it at the stop-and-copy');
    expect(captureNote(c, page(9))).toBe('the migration never sent this page');
    expect(captureNote(record({ strategy: 'postcopy', pageRounds: null }), page(9))).toBe('post-copy: the page came from the stopped source after the switch-over');
  });
});
