/**
 * The 8254's write-only shadow: a record of what the guest did at the PIT's ports and when
 * (Intel 8254 datasheet 231164; BLMVisor 4.4.1: "the frequency-setting register is
 * write-only"). Trapped: counter ports (reads and writes: count bytes, the write flip-flop;
 * reads move the read flip-flop and consume latches), the control word port (control words,
 * counter-latch and read-back commands), and port B writes (GATE2 edges). Each access is kept
 * with its icount — a VM exit carries its time (a real hypervisor reads the TSC).
 *
 * The shadow interprets nothing but which channel a control word resets (so it knows, after a
 * late attach, which channels it has seen programmed). What the writes mean for the counting
 * element — its phase, pending reloads, latched values — is inferred from this record by the
 * PIT driver's capture (phase.ts). The record lives in preallocated typed arrays, so an exit
 * allocates nothing; when they fill up, `onFull` (the driver's inference) takes them in.
 */
import { DIR_READ, DIR_WRITE, type Intercepts, type TrappedAccess } from '../../intercepts.js';
import { KnownFields } from '../../known-fields.js';
import { CONTROL_PORT, PORT_B, counterPort } from './ports.js';

/** Per-channel write-only or internal fields the shadow (with its inference) supplies. */
export const PIT_CHANNEL_FIELDS = [
  'count', 'latched_count', 'count_latched', 'status_latched', 'status', 'read_state', 'write_state', 'write_latch',
  'rw_mode', 'mode', 'bcd', 'count_load_time', 'active_count', 'counting', 'cr_pending', 'gate_fall_time',
] as const;
export type PitChannelField = (typeof PIT_CHANNEL_FIELDS)[number];

/** What one record is. */
export const PIT_EVENT = {
  /** A counter port read; arg = channel (A1 A0). */
  read: 0,
  /** A counter port write; arg = channel, value = the byte. */
  counter: 1,
  /** A control word port write; value = the byte. */
  control: 2,
  /** A port B write; value = the byte (bit 0 is GATE2). */
  portB: 3,
  /** A guest agent's report; arg = field index << 2 | channel, value = the value. */
  supply: 4,
} as const;

/** Records held before the inference must take them in. */
const CAPACITY = 1024;

export class PitWriteLog {
  readonly icount = new Float64Array(CAPACITY);
  readonly kind = new Uint8Array(CAPACITY);
  readonly arg = new Int32Array(CAPACITY);
  readonly value = new Float64Array(CAPACITY);
  length = 0;
  /** The guest's last write here (control word, count byte, port B): what the phase follows from. */
  lastGuestWrite = -1;
  /** One KnownFields per channel: after a late attach a channel is known from its next control word. */
  readonly known: KnownFields[];
  /** Called when the record is full; it must empty it (clear). */
  onFull: (log: PitWriteLog) => void = () => {};

  constructor(intercepts: Intercepts, knownAtStart: boolean) {
    this.known = [0, 1, 2].map(() => new KnownFields(PIT_CHANNEL_FIELDS, knownAtStart));
    const onAccess = (a: TrappedAccess) => this.onAccess(a);
    for (let i = 0; i < 3; i++) {
      intercepts.onPort(counterPort(i), onAccess);
      intercepts.trapPort(counterPort(i), DIR_WRITE);
      intercepts.trapPort(counterPort(i), DIR_READ);
    }
    intercepts.onPort(CONTROL_PORT, onAccess);
    intercepts.trapPort(CONTROL_PORT, DIR_WRITE);
    intercepts.onPort(PORT_B, (a) => {
      if (a.dir === DIR_WRITE) this.record(a.icount, PIT_EVENT.portB, 0, a.value & 0xff, a.guest);
    });
    intercepts.trapPort(PORT_B, DIR_WRITE);
  }

  private onAccess(a: TrappedAccess): void {
    if (a.dir === DIR_READ) {
      this.record(a.icount, PIT_EVENT.read, a.addr & 3, 0);
    } else if (a.addr === CONTROL_PORT) {
      const value = a.value & 0xff;
      const i = value >> 6;
      // A control word (not a read-back, not a counter latch) resets the channel's control
      // logic: from here on everything about it follows from the record.
      if (i !== 3 && ((value >> 4) & 3) !== 0) this.known[i].learn(...PIT_CHANNEL_FIELDS);
      this.record(a.icount, PIT_EVENT.control, 0, value, a.guest);
    } else {
      this.record(a.icount, PIT_EVENT.counter, a.addr & 3, a.value & 0xff, a.guest);
    }
  }

  private record(icount: number, kind: number, arg: number, value: number, guestWrite = false): void {
    if (guestWrite) this.lastGuestWrite = icount;
    if (this.length === CAPACITY) this.onFull(this);
    const k = this.length++;
    this.icount[k] = icount;
    this.kind[k] = kind;
    this.arg[k] = arg;
    this.value[k] = value;
  }

  clear(): void {
    this.length = 0;
  }

  /** The agent (late attach) supplies a field of channel `i` (and, with the count, the channel's phase). */
  supply(i: number, field: PitChannelField, value: number): void {
    // In order with the accesses (the inference sets the field at this point); it has no time of its own.
    this.record(0, PIT_EVENT.supply, (PIT_CHANNEL_FIELDS.indexOf(field) << 2) | i, value);
    this.known[i].learn(field);
  }
}
