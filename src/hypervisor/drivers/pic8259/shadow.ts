/**
 * Write-only shadow of one 8259A (Intel 8259A datasheet 231468, "Programming the 8259A").
 *
 * The ICWs are a sequence: ICW1 at A0=0 (bit 4 set) starts it and resets the chip; ICW2,
 * then ICW3 unless SNGL, then ICW4 if IC4, all at A0=1 (BLMVisor 4.4.1). Between them the
 * chip's `init_state` says which one comes next; we track it the same way, so a migration in
 * the middle of the sequence is replayed up to the same point. After the sequence A0=1
 * writes are OCW1 (the IMR, which is readable), so port base+1 is trapped only while a
 * sequence is in progress. Port base+0 is trapped for writes always: OCW2 (rotation,
 * priority, EOI) and OCW3 (read-register select, poll, special mask) share it with ICW1 —
 * which is why every EOI is a VM exit (BLMVisor 4.6).
 *
 * OCW3 P (poll): the next read of either port is the poll (it acts as INTA). Reads are
 * trapped only while a poll is pending, to see it consumed.
 *
 * priority_add (internal) is tracked from ICW1 and OCW2; auto-EOI rotation moves it at
 * INTA cycles, which a thin hypervisor does not see: then it is marked uncertain.
 */
import { DIR_READ, DIR_WRITE, type Intercepts, type TrappedAccess } from '../../intercepts.js';
import { KnownFields } from '../../known-fields.js';

export const PIC_SHADOW_FIELDS = [
  'irq_base', 'read_reg_select', 'poll', 'special_mask', 'init_state', 'auto_eoi', 'rotate_on_auto_eoi',
  'special_fully_nested_mode', 'init4', 'single_mode', 'ltim', 'icw3', 'buffered_mode', 'microprocessor_mode',
  'priority_add',
] as const;
export type PicShadowField = (typeof PIC_SHADOW_FIELDS)[number];

const ICW_FIELDS: PicShadowField[] = [
  'irq_base', 'read_reg_select', 'poll', 'special_mask', 'init_state', 'auto_eoi', 'rotate_on_auto_eoi',
  'special_fully_nested_mode', 'init4', 'single_mode', 'ltim', 'icw3', 'buffered_mode', 'microprocessor_mode',
  'priority_add',
];

export interface PicShadowOptions {
  /** Fault `icw4-shadow-skipped`: ICW4 is not recorded. */
  skipIcw4: boolean;
  knownAtStart: boolean;
}

export class PicShadow {
  /** Values as the chip holds them (names as in the device schema). */
  readonly v: Record<PicShadowField, number> = {
    irq_base: 0, read_reg_select: 0, poll: 0, special_mask: 0, init_state: 0, auto_eoi: 0, rotate_on_auto_eoi: 0,
    special_fully_nested_mode: 0, init4: 0, single_mode: 0, ltim: 0, icw3: 0, buffered_mode: 0,
    microprocessor_mode: 0, priority_add: 0,
  };
  /** The ICW bytes of the last (or current) sequence, in order: what reconstruction replays. */
  icws: number[] = [];
  /** priority_add may have moved at INTA cycles we cannot see (auto-EOI rotation). */
  priorityUncertain = false;
  readonly known: KnownFields;

  constructor(
    private readonly intercepts: Intercepts,
    readonly base: number,
    isMaster: boolean,
    private readonly options: PicShadowOptions,
  ) {
    this.known = new KnownFields(PIC_SHADOW_FIELDS, options.knownAtStart);
    // Power-on: ICW3 as a PC has it until a guest writes one (the device's reset value).
    this.v.icw3 = isMaster ? 0x04 : 0x02;
    intercepts.onPort(base, (a) => this.onAccess(a));
    intercepts.onPort(base + 1, (a) => this.onAccess(a));
    intercepts.trapPort(base, DIR_WRITE);
  }

  /** The guest's last ICW (ICW1 or one of the sequence after it): what initialisation follows from. */
  lastIcwAt = -1;

  private onAccess(a: TrappedAccess): void {
    if (a.dir === DIR_READ) {
      if (this.v.poll) this.setPoll(0);
      return;
    }
    const value = a.value & 0xff;
    if (a.guest && (((a.addr & 1) === 0 && value & 0x10) || ((a.addr & 1) === 1 && this.v.init_state !== 0))) this.lastIcwAt = a.icount;
    if ((a.addr & 1) === 0) {
      if (value & 0x10) this.icw1(value);
      else if (value & 0x08) this.ocw3(value);
      else this.ocw2(value);
      return;
    }
    const v = this.v;
    switch (v.init_state) {
      case 1:
        this.icws.push(value);
        v.irq_base = value & 0xf8;
        v.init_state = v.single_mode ? (v.init4 ? 3 : 0) : 2;
        break;
      case 2:
        this.icws.push(value);
        v.icw3 = value;
        v.init_state = v.init4 ? 3 : 0;
        break;
      case 3:
        this.icws.push(value);
        if (!this.options.skipIcw4) {
          v.special_fully_nested_mode = (value >> 4) & 1;
          v.buffered_mode = (value >> 2) & 3;
          v.auto_eoi = (value >> 1) & 1;
          v.microprocessor_mode = value & 1;
        }
        v.init_state = 0;
        break;
      default:
        break; // OCW1: the IMR is readable
    }
    this.intercepts.trapPort(this.base + 1, DIR_WRITE, v.init_state !== 0);
  }

  /** ICW1 resets the chip's ICW4 functions, OCW3 state and priority (datasheet, ICW1). */
  private icw1(value: number): void {
    const v = this.v;
    this.icws = [value];
    v.init4 = value & 1;
    v.single_mode = (value >> 1) & 1;
    v.ltim = (value >> 3) & 1;
    v.irq_base = 0;
    v.read_reg_select = 0;
    v.special_mask = 0;
    v.auto_eoi = 0;
    v.rotate_on_auto_eoi = 0;
    v.special_fully_nested_mode = 0;
    v.buffered_mode = 0;
    v.microprocessor_mode = 0;
    v.priority_add = 0;
    v.init_state = 1;
    this.setPoll(0);
    this.priorityUncertain = false;
    // ICW1 sets every field the sequence covers; fields of later ICWs are known once written,
    // but their post-ICW1 values are known now (zero), so a late attach learns them all here.
    this.known.learn(...ICW_FIELDS);
    this.intercepts.trapPort(this.base + 1, DIR_WRITE, true);
  }

  private ocw2(value: number): void {
    const v = this.v;
    const command = value >> 5;
    switch (command) {
      case 0:
      case 4:
        v.rotate_on_auto_eoi = command >> 2;
        this.known.learn('rotate_on_auto_eoi');
        break;
      case 5: // rotate on non-specific EOI: the IR retired becomes the lowest — which one needs the ISR
        this.priorityUncertain = true;
        break;
      case 6:
      case 7:
        v.priority_add = (value + 1) & 7;
        this.known.learn('priority_add');
        if (command === 6 || command === 7) this.priorityUncertain = false;
        break;
      default:
        break; // EOIs and no-op: nothing write-only changes
    }
    if (v.auto_eoi && v.rotate_on_auto_eoi) this.priorityUncertain = true;
  }

  private ocw3(value: number): void {
    const v = this.v;
    if (value & 0x04) this.setPoll(1);
    if (value & 0x02) {
      v.read_reg_select = value & 1;
      this.known.learn('read_reg_select');
    }
    if (value & 0x40) {
      v.special_mask = (value >> 5) & 1;
      this.known.learn('special_mask');
    }
  }

  private setPoll(p: number): void {
    this.v.poll = p;
    this.known.learn('poll');
    this.intercepts.trapPort(this.base, DIR_READ, p === 1);
    this.intercepts.trapPort(this.base + 1, DIR_READ, p === 1);
  }

  /** The agent (late attach) supplies a value. */
  supply(field: PicShadowField, value: number): void {
    this.v[field] = value;
    this.known.learn(field);
  }
}
