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
 * Where a device's state is tracked (src/devices/tracked-state.ts: every board device's is),
 * the device marks each field where it changes it, and a check compares only the fields
 * marked since the last one: nothing at all for the many accesses that change nothing (a
 * status read, a write of the value already there), a few fields for the rest. The
 * transitions are the same as a full comparison's, in the same (schema) order; a tracker
 * made with `{ marks: false }` compares every field (the tests' oracle).
 *
 * The comparisons are generated per device layout from its schema (`new Function`, as
 * protobufjs generates codecs): each field is then a fixed-name property load with its own
 * inline cache. A generic loop over `state[field.name]` is a megamorphic keyed load per
 * field: measured, 1.6 µs per check of the UART (17 fields, 47 values), which a guest
 * polling the line status register paid on every read — 5× the run time of the timer guest.
 */
import type { FieldValue, StateSchema } from '../devices/schema.js';
import { MARKS_PER_WORD, clearMarks, readUnmarked, trackingOf, unmarkedReadSource } from '../devices/tracked-state.js';

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
/** The marked fields only; -1 (nothing done) when `owner` does not own the state's marks. */
type MarkedCheckFn = (state: Record<string, FieldValue>, shadow: Float64Array, sink: TransitionSink, id: number, owner: unknown) => number;

interface Tracked {
  readonly device: TrackedDevice;
  readonly fields: readonly TrackedField[];
  readonly shadow: Float64Array;
  readonly check: CheckFn;
  readonly marked: MarkedCheckFn;
}

export interface TrackerOptions {
  /** Compare only the fields a tracked state marked (default true); false: every field, every check. */
  readonly marks?: boolean;
}

/** Arrays up to this many elements are compared in straight-line code (measured ~3x faster than a loop). */
const UNROLL_MAX = 128;

/**
 * Checks by device schema and layout: every recording (and replay) of a machine tracks the same
 * devices, and a new function per tracker would be parsed and optimized all over again each
 * time (measured: most of a short recording's transition cost, with deopts of the old code).
 */
const compiled = new Map<string, { full: CheckFn; marked: MarkedCheckFn }>();

function checksFor(device: string, fields: readonly TrackedField[]): { full: CheckFn; marked: MarkedCheckFn } {
  const key = `${device}\u0000${fields.map((f) => `${f.name}:${f.field}:${f.length}:${f.offset}`).join(',')}`;
  let fns = compiled.get(key);
  if (fns === undefined) compiled.set(key, (fns = { full: compileCheck(device, fields), marked: compileMarkedCheck(device, fields) }));
  return fns;
}

/**
 * One field's comparison: on a change, update the shadow and emit. `value` is the expression
 * for the field's value. Arrays compare min(actual length, declared length) elements.
 */
function compareField(f: TrackedField, value: string): string[] {
  const changed = (slot: string, index: string) =>
    `if (v !== b) { shadow[${slot}] = v; sink.transition(id, ${f.field}, ${index}, b, v); n++; }`;
  if (f.length < 0) return [`v = ${value}; b = shadow[${f.offset}];`, changed(String(f.offset), '-1')];
  const lines: string[] = [];
  const loop = `for (let j = 0; j < c; j++) { v = a[j]; b = shadow[${f.offset} + j]; ${changed(`${f.offset} + j`, 'j')} }`;
  lines.push(`a = ${value}; c = a.length < ${f.length} ? a.length : ${f.length};`);
  if (f.length > UNROLL_MAX) {
    lines.push(loop);
  } else {
    lines.push(`if (c === ${f.length}) {`);
    for (let j = 0; j < f.length; j++) lines.push(`v = a[${j}]; b = shadow[${f.offset + j}]; ${changed(String(f.offset + j), String(j))}`);
    lines.push(`} else { ${loop} }`);
  }
  return lines;
}

/** Named for profiles and stack traces. */
function sourceUrl(device: string, what: string): string {
  return `//# sourceURL=migtrace-transitions/${device.replace(/[^\w.-]/g, '_')}${what}.js`;
}

/**
 * The full check: every field, in schema order. An array is read through its unmarking getter
 * where the state has one: the full check is the tests' oracle of what the marks must catch,
 * and reading an array through the marking getter would mark it for the marked check (a write
 * that failed to mark its field would then go unnoticed by exactly the test that looks for it).
 */
function compileCheck(device: string, fields: readonly TrackedField[]): CheckFn {
  const lines = ['let n = 0, v = 0, b = 0, a, c = 0;'];
  for (const f of fields) lines.push(...compareField(f, f.length < 0 ? `state[${JSON.stringify(f.name)}]` : unmarkedReadSource('state', f.name)));
  lines.push('return n;', sourceUrl(device, ''));
  return new Function('state', 'shadow', 'sink', 'id', lines.join('\n')) as CheckFn;
}

/**
 * The marked check of a tracked state: the marked fields, in schema order (the full check's
 * order, so both emit the same records), read from the state's slots (its array getters would
 * mark them again); the marks are cleared first.
 */
function compileMarkedCheck(device: string, fields: readonly TrackedField[]): MarkedCheckFn {
  const words = Math.max(1, Math.ceil(fields.length / MARKS_PER_WORD));
  const lines = ['if (state.$owner !== owner) return -1;'];
  for (let w = 0; w < words; w++) lines.push(`const m${w} = state.$m${w};`);
  lines.push(`if ((${Array.from({ length: words }, (_, w) => `m${w}`).join(' | ')}) === 0) return 0;`);
  for (let w = 0; w < words; w++) lines.push(`state.$m${w} = 0;`);
  lines.push('let n = 0, v = 0, b = 0, a, c = 0;');
  fields.forEach((f, i) => {
    lines.push(`if ((m${(i / MARKS_PER_WORD) | 0} & ${1 << i % MARKS_PER_WORD}) !== 0) {`, ...compareField(f, `state.$${i}`), '}');
  });
  lines.push('return n;', sourceUrl(device, '.marked'));
  return new Function('state', 'shadow', 'sink', 'id', 'owner', lines.join('\n')) as MarkedCheckFn;
}

export class DeviceTransitionTracker {
  private readonly byId: (Tracked | undefined)[] = [];

  constructor(
    devices: readonly TrackedDevice[],
    private readonly sink: TransitionSink,
    options: TrackerOptions = {},
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
      const checks = checksFor(device.schema.device, fields);
      const t: Tracked = { device, fields, shadow: new Float64Array(offset), check: checks.full, marked: checks.marked };
      this.byId[device.id] = t;
      // The last tracker made owns the marks (a recorder made after another's run, on the same machine).
      const tracking = options.marks === false ? undefined : trackingOf(device.state);
      if (tracking !== undefined) tracking.$owner = this;
      this.copyIn(t);
    }
  }

  /** Emit a transition for every field of this device that changed since the last check. Returns how many. */
  check(deviceId: number): number {
    const t = this.byId[deviceId];
    if (t === undefined) return 0;
    const state = t.device.state;
    const n = t.marked(state, t.shadow, this.sink, deviceId, this);
    return n >= 0 ? n : t.check(state, t.shadow, this.sink, deviceId);
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

  /** The shadow takes the state as it is; its marks (all of them: the getters mark arrays) are cleared. */
  private copyIn(t: Tracked): void {
    const state = t.device.state;
    for (const f of t.fields) {
      // Arrays through their unmarking getters (compileCheck says why); the owner's marks are cleared below anyway.
      const v = f.length < 0 ? state[f.name] : readUnmarked(state, f.name);
      if (f.length < 0) t.shadow[f.offset] = v as number;
      else {
        const arr = v as number[];
        for (let j = 0; j < f.length; j++) t.shadow[f.offset + j] = j < arr.length ? arr[j] : 0;
      }
    }
    if (trackingOf(state)?.$owner === this) clearMarks(state);
  }
}
