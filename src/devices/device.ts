/**
 * The base every device model extends: declared state (plain data matching its schema),
 * pending timers saved as icount offsets, and the oracle view.
 *
 * A device keeps ALL of its state in `state` (exactly the schema's non-timer fields) and its
 * pending events in `timers` (the schema's timer fields). Anything else it holds is derived
 * and recomputed in `afterRestore()`. The conformance suite checks both directions: every
 * declared field is restored, and nothing in `state` is undeclared (v86's UART forgot its
 * input queue in get_state; a schema-driven snapshot cannot).
 */
import type { Bus } from '../machine/bus.js';
import type { Clock, Timer } from '../machine/clock.js';
import type { PhysicalMemory } from '../machine/memory.js';
import type { IrqSink } from '../machine/interrupts.js';
import { InputError } from '../errors.js';
import { trackingOf } from './tracked-state.js';
import { clampToWidth, encodeState, validateSnapshot, type FieldValue, type StateSchema, type StateSnapshot } from './schema.js';


/** What the machine sends to the outside world. */
export interface OutputSink {
  serialByte(byte: number): void;
  frame(data: Uint8Array): void;
}

/** What a device is built with: host resources are constructor arguments, not state (Firecracker). */
export interface DeviceContext {
  readonly bus: Bus;
  readonly clock: Clock;
  readonly memory: PhysicalMemory;
  readonly irq: IrqSink;
  readonly output: OutputSink;
  /**
   * Called after a device's timer event, with its bus id; `changed` false when the event's
   * callback said it changed none of the device's declared fields (it returned false).
   */
  readonly afterDeviceEvent?: (deviceId: number, changed: boolean) => void;
}

/** A device's complete internal state for tests and the verifier: declared fields plus derived values. */
export interface OracleState {
  readonly device: string;
  readonly state: StateSnapshot;
  readonly derived: Record<string, number | string>;
}

export abstract class Device<S extends Record<string, FieldValue>> {
  abstract readonly schema: StateSchema;
  /** Bus device id (index into bus.deviceNames); set by the board when it maps the device. */
  id = 0;
  abstract state: S;
  protected readonly timers: Record<string, Timer> = {};

  constructor(protected readonly ctx: DeviceContext) {}

  get name(): string {
    return this.schema.device;
  }

  /**
   * The one way a device creates a timer: it is then part of the device's declared state
   * (the schema must list a `timer: true` field of the same name) and the machine can
   * observe the device after each timer event. A callback that knows its event often changes
   * nothing declared (the RTC's periodic flag, already set) returns false then, and the
   * recorder does not compare the device's fields (test/trace/session.test.ts compares them all
   * after every event: a wrong false fails it); anything else is compared.
   */
  protected addTimer(name: string, callback: (now: number) => boolean | void): Timer {
    const timer = this.ctx.clock.createTimer(`${this.schema.device}.${name}`, (now) => {
      const changed = callback(now) !== false;
      this.ctx.afterDeviceEvent?.(this.id, changed);
    });
    this.timers[name] = timer;
    return timer;
  }

  /** Power-on / hardware reset state; cancels pending timers. */
  abstract reset(): void;

  /** Declared state, driven by the schema: fields copied, timers as instructions-from-now. */
  snapshot(): StateSnapshot {
    const tracking = trackingOf(this.state);
    if (tracking !== undefined) return tracking.$snapshot(this.timers);
    const out: StateSnapshot = {};
    const st = this.state as Record<string, FieldValue>;
    for (const f of this.schema.fields) {
      if (f.timer) {
        const t = this.timers[f.name];
        out[f.name] = t === undefined ? -1 : t.remaining();
      } else {
        const v = st[f.name];
        out[f.name] = Array.isArray(v) ? v.slice() : v;
      }
    }
    return out;
  }

  /**
   * The declared state as a checkpoint encodes it: encodeState(schema, snapshot()). Straight
   * from a tracked state's slots unless the device has its own snapshot() (the PIT settles
   * its channels in the copy).
   */
  encodedState(): number[] {
    const tracking = trackingOf(this.state);
    return tracking !== undefined && this.snapshot === Device.prototype.snapshot
      ? tracking.$encode(this.timers, this.schema)
      : encodeState(this.schema, this.snapshot());
  }

  /** Restore declared state exactly; re-arms timers relative to the current icount. */
  restore(snap: StateSnapshot): void {
    const problems = validateSnapshot(this.schema, snap);
    if (problems.length > 0) {
      throw new InputError('BAD_DEVICE_STATE', `cannot restore ${this.name}: ${problems[0]}`);
    }
    const st = this.state as Record<string, FieldValue>;
    for (const f of this.schema.fields) {
      const v = snap[f.name];
      if (f.timer) {
        const t = this.timers[f.name];
        if (t === undefined) continue;
        t.cancel();
        const offset = clampToWidth(f, v as number);
        if (offset >= 0) t.armIn(offset);
      } else {
        st[f.name] = Array.isArray(v) ? v.slice() : v;
      }
    }
    this.afterRestore();
  }

  /** Recompute derived things (interrupt outputs, MMIO mappings) from restored state. */
  protected afterRestore(): void {}

  /** Values computed from state and time (a PIT counter's current count, an output pin). */
  protected derived(): Record<string, number | string> {
    return {};
  }

  /** The oracle view: for tests and verify/ only. Migration and hypervisor code never call it. */
  oracle(): OracleState {
    return { device: this.name, state: this.snapshot(), derived: this.derived() };
  }
}
