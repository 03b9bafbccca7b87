/**
 * DeviceTransitionTracker: turns "a device's declared state may have changed" into one
 * transition record per changed field (per element for array fields).
 *
 * The machine calls `check(deviceId)` after every bus access to a device and after every
 * device timer event (DeviceContext.afterDeviceEvent). Each device's declared fields are
 * compared in place against a shadow copy kept in one Float64Array; nothing is allocated
 * when nothing changed. Timer fields are not tracked: their value (instructions until the
 * timer fires) changes with every instruction; checkpoints carry them (device.snapshot()).
 *
 * The comparison is generated per device from its schema (`new Function`, as protobufjs
 * generates codecs): each field is then a fixed-name property load with its own inline
 * cache. A generic loop over `state[field.name]` is a megamorphic keyed load per field:
 * measured, 1.6 µs per check of the UART (17 fields, 47 values), which a guest polling the
 * line status register pays on every read — 5× the run time of the timer guest.
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

type CheckFn = (state: Record<string, FieldValue>, shadow: Float64Array, sink: TransitionSink, id: number) => number;

interface Tracked {
  readonly device: TrackedDevice;
  readonly fields: readonly TrackedField[];
  readonly shadow: Float64Array;
  readonly check: CheckFn;
}

/** Arrays up to this many elements are compared in straight-line code (measured ~3x faster than a loop). */
const UNROLL_MAX = 128;

/**
 * Checks by device schema and layout: every recording (and replay) of a machine tracks the same
 * devices, and a new function per tracker would be parsed and optimized all over again each
 * time (measured: most of a short recording's transition cost, with deopts of the old code).
 */
const compiled = new Map<string, CheckFn>();

function checkFor(device: string, fields: readonly TrackedField[]): CheckFn {
  const key = `${device}\u0000${fields.map((f) => `${f.name}:${f.field}:${f.length}:${f.offset}`).join(',')}`;
  let fn = compiled.get(key);
  if (fn === undefined) compiled.set(key, (fn = compileCheck(device, fields)));
  return fn;
}

/**
 * The generated check: for each field, compare and, on a change, update the shadow and emit.
 * Same semantics as a loop over the fields: arrays compare min(actual length, declared length) elements.
 */
function compileCheck(device: string, fields: readonly TrackedField[]): CheckFn {
  const lines = ['let n = 0, v = 0, b = 0, a, c = 0;'];
  const changed = (slot: string, field: number, index: string) =>
    `if (v !== b) { shadow[${slot}] = v; sink.transition(id, ${field}, ${index}, b, v); n++; }`;
  for (const f of fields) {
    const key = JSON.stringify(f.name);
    if (f.length < 0) {
      lines.push(`v = state[${key}]; b = shadow[${f.offset}];`, changed(String(f.offset), f.field, '-1'));
      continue;
    }
    const loop = `for (let j = 0; j < c; j++) { v = a[j]; b = shadow[${f.offset} + j]; ${changed(`${f.offset} + j`, f.field, 'j')} }`;
    lines.push(`a = state[${key}]; c = a.length < ${f.length} ? a.length : ${f.length};`);
    if (f.length > UNROLL_MAX) {
      lines.push(loop);
    } else {
      lines.push(`if (c === ${f.length}) {`);
      for (let j = 0; j < f.length; j++) lines.push(`v = a[${j}]; b = shadow[${f.offset + j}]; ${changed(String(f.offset + j), f.field, String(j))}`);
      lines.push(`} else { ${loop} }`);
    }
  }
  lines.push('return n;');
  // Named for profiles and stack traces.
  lines.push(`//# sourceURL=migtrace-transitions/${device.replace(/[^\w.-]/g, '_')}.js`);
  return new Function('state', 'shadow', 'sink', 'id', lines.join('\n')) as CheckFn;
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
      const t: Tracked = { device, fields, shadow: new Float64Array(offset), check: checkFor(device.schema.device, fields) };
      this.byId[device.id] = t;
      this.copyIn(t);
    }
  }

  /** Emit a transition for every field of this device that changed since the last check. Returns how many. */
  check(deviceId: number): number {
    const t = this.byId[deviceId];
    if (t === undefined) return 0;
    return t.check(t.device.state, t.shadow, this.sink, deviceId);
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
