/**
 * DeviceTransitionTracker: turns "a device's declared state may have changed" into one
 * transition record per changed field (per element for array fields).
 *
 * The machine calls `check(deviceId)` after every bus access to a device and after every
 * device timer event (DeviceContext.afterDeviceEvent). Each device's declared fields are
 * compared in place against a shadow copy kept in one Float64Array; nothing is allocated
 * when nothing changed. Timer fields are not tracked: their value (instructions until the
 * timer fires) changes with every instruction; checkpoints carry them (device.oracle()).
 */
import type { FieldValue, StateSchema } from '../devices/schema.js';

/** What the tracker needs from a device (src/devices/device.ts Device satisfies it). */
export interface TrackedDevice {
  readonly id: number;
  readonly schema: StateSchema;
  readonly state: Record<string, FieldValue>;
}

export interface TransitionSink {
  /** `field` indexes the device's schema fields; `index` is -1 for a scalar field. */
  transition(device: number, field: number, index: number, oldValue: number, newValue: number): void;
}

interface TrackedField {
  readonly name: string;
  /** Index in schema.fields (what a transition record carries). */
  readonly field: number;
  /** Element count for arrays, -1 for scalars. */
  readonly length: number;
  /** First slot in the shadow. */
  readonly offset: number;
}

interface Tracked {
  readonly device: TrackedDevice;
  readonly fields: readonly TrackedField[];
  readonly shadow: Float64Array;
}

export class DeviceTransitionTracker {
  private readonly byId: (Tracked | undefined)[] = [];

  constructor(
    devices: readonly TrackedDevice[],
    private readonly sink: TransitionSink,
  ) {
    for (const device of devices) {
      const fields: TrackedField[] = [];
      let offset = 0;
      device.schema.fields.forEach((f, field) => {
        if (f.timer) return;
        const length = f.length ?? -1;
        fields.push({ name: f.name, field, length, offset });
        offset += Math.max(length, 1);
      });
      const t: Tracked = { device, fields, shadow: new Float64Array(offset) };
      this.byId[device.id] = t;
      this.copyIn(t);
    }
  }

  /** Emit a transition for every field of this device that changed since the last check. Returns how many. */
  check(deviceId: number): number {
    const t = this.byId[deviceId];
    if (t === undefined) return 0;
    const state = t.device.state;
    const shadow = t.shadow;
    const fields = t.fields;
    let n = 0;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      const v = state[f.name];
      if (f.length < 0) {
        const now = v as number;
        const before = shadow[f.offset];
        if (now !== before) {
          shadow[f.offset] = now;
          this.sink.transition(deviceId, f.field, -1, before, now);
          n++;
        }
      } else {
        const arr = v as number[];
        const count = Math.min(arr.length, f.length);
        for (let j = 0; j < count; j++) {
          const now = arr[j];
          const before = shadow[f.offset + j];
          if (now !== before) {
            shadow[f.offset + j] = now;
            this.sink.transition(deviceId, f.field, j, before, now);
            n++;
          }
        }
      }
    }
    return n;
  }

  /** check() every tracked device. */
  checkAll(): number {
    let n = 0;
    for (let id = 0; id < this.byId.length; id++) if (this.byId[id] !== undefined) n += this.check(id);
    return n;
  }

  /** Adopt the current state without emitting anything (after a restore or reset done on purpose). */
  resync(deviceId?: number): void {
    if (deviceId === undefined) {
      for (const t of this.byId) if (t !== undefined) this.copyIn(t);
    } else {
      const t = this.byId[deviceId];
      if (t !== undefined) this.copyIn(t);
    }
  }

  private copyIn(t: Tracked): void {
    const state = t.device.state;
    for (const f of t.fields) {
      const v = state[f.name];
      if (f.length < 0) t.shadow[f.offset] = v as number;
      else {
        const arr = v as number[];
        for (let j = 0; j < f.length; j++) t.shadow[f.offset + j] = j < arr.length ? arr[j] : 0;
      }
    }
  }
}
