/**
 * Tracked device state: a device's `state` object that marks each declared field where the
 * device changes it, so a recorder compares only the fields marked since it last looked
 * instead of every field after every access (DeviceTransitionTracker, src/trace/transitions.ts).
 *
 * The object has the schema's fields as accessors over hidden slots, generated once per field
 * layout (`new Function`, as protobufjs generates codecs), so a device's `s.irr |= bit` is an
 * inlined setter:
 * - a scalar's setter stores and, when the value changed, sets the field's mark;
 * - an array's getter marks the field as well as its setter: whoever takes the array may
 *   write its elements. Device code never keeps a field's array beyond the method that took
 *   it, and nothing checks the marks in the middle of a device's method, so a mark set when
 *   the array was taken is never older than the writes.
 * A mark means "may have changed": the recorder still compares the marked fields with what it
 * last recorded and emits only real changes, in schema order, so the trace is the one a full
 * comparison gives (test/trace/session.test.ts compares both after every step of every guest).
 *
 * Marks live in the state object, so one consumer reads them: the last tracker made for a
 * device owns them and every other tracker falls back to comparing all fields.
 */
import { checkedValue, encodeState, type FieldValue, type StateSchema } from './schema.js';

/** Fields per mark word (bits 0..29: a small integer in V8 either way). */
export const MARKS_PER_WORD = 30;

/** What a tracker sees of a tracked state besides its fields. */
export interface TrackedStateInternals {
  /** The number of mark words ($m0, $m1, …): bit (i % MARKS_PER_WORD) of word (i / MARKS_PER_WORD) is tracked field i. */
  readonly $words: number;
  /** The tracker that clears the marks (the last one made for the device). */
  $owner: unknown;
  /** Device.snapshot(): the declared fields in schema order, arrays copied, timers' remaining counts from `timers`. */
  $snapshot(timers: Readonly<Record<string, { remaining(): number }>>): Record<string, FieldValue>;
  /** encodeState(schema, this.$snapshot(timers)), without the snapshot: a checkpoint's values (`schema`: the device's, of this layout). */
  $encode(timers: Readonly<Record<string, { remaining(): number }>>, schema: StateSchema): number[];
}

type Init = Record<string, FieldValue>;
type TrackedCtor = new (init: Init) => Init & TrackedStateInternals;

const classes = new Map<string, TrackedCtor>();

/** The non-timer fields, in schema order: what a state object holds (and what mark i means). */
export function stateFields(schema: StateSchema): { name: string; array: boolean }[] {
  return schema.fields.filter((f) => !f.timer).map((f) => ({ name: f.name, array: f.length !== undefined }));
}

function classFor(schema: StateSchema): TrackedCtor {
  // Names, widths and shapes: $encode's range checks are the widths'.
  const key = schema.fields.map((f) => `${f.name}:${f.width}:${f.timer ? 'timer' : f.length ?? ''}`).join(',');
  let cls = classes.get(key);
  if (cls === undefined) classes.set(key, (cls = compileClass(schema)));
  return cls;
}

function compileClass(schema: StateSchema): TrackedCtor {
  const fields = stateFields(schema);
  const words = Math.max(1, Math.ceil(fields.length / MARKS_PER_WORD));
  // Mark words are plain fields: a typed array's element store measured twice a field's cost in the PIC's accesses.
  const init: string[] = ['this.$owner = null;'];
  for (let w = 0; w < words; w++) init.push(`this.$m${w} = 0;`);
  const members: string[] = [];
  fields.forEach((f, i) => {
    const key = JSON.stringify(f.name);
    const slot = `this.$${i}`;
    const mark = `this.$m${(i / MARKS_PER_WORD) | 0} |= ${1 << i % MARKS_PER_WORD};`;
    init.push(`${slot} = init[${key}];`);
    if (f.array) {
      members.push(`get [${key}]() { ${mark} return ${slot}; }`, `set [${key}](v) { ${slot} = v; ${mark} }`);
      members.push(`get [${JSON.stringify(PEEK + f.name)}]() { return ${slot}; }`);
    } else {
      members.push(`get [${key}]() { return ${slot}; }`, `set [${key}](v) { if (v !== ${slot}) { ${slot} = v; ${mark} } }`);
    }
  });
  // JSON and spreads of a state see its fields, as for a plain object.
  const slotOf = new Map(fields.map((f, i) => [f.name, i]));
  const plain = fields.map((f, i) => `${JSON.stringify(f.name)}: this.$${i}`).join(', ');
  members.push(`toJSON() { return { ${plain} }; }`, `get $words() { return ${words}; }`);
  // Device.snapshot() in one object literal (schema order, timers from the device's), without marking.
  const snap = schema.fields.map((f) => {
    const key = JSON.stringify(f.name);
    if (f.timer) return `${key}: (t = timers[${key}]) === undefined ? -1 : t.remaining()`;
    const i = slotOf.get(f.name)!;
    return f.length !== undefined ? `${key}: Array.isArray(this.$${i}) ? this.$${i}.slice() : this.$${i}` : `${key}: this.$${i}`;
  });
  members.push(`$snapshot(timers) { let t; return { ${snap.join(', ')} }; }`);
  // encodeState's list straight from the slots: every value checked against its field as encodeState does
  // (a field that is not an array where it should be: encodeState itself, for its error).
  // In range for a field of width < 32 is (v & mask) === v, for 32 (v >>> 0) === v: exactly what
  // checkedValue accepts there, without the call. Wider fields and timers go through it.
  const checked = (k: number, expr: string) => {
    const f = schema.fields[k];
    const fast = f.timer ? null : f.width < 32 ? `(v & ${(1 << f.width) - 1}) === v` : f.width === 32 ? '(v >>> 0) === v' : null;
    return fast === null ? `out.push(check(schema, fields[${k}], ${expr}));` : `v = ${expr}; out.push(${fast} ? v : check(schema, fields[${k}], v));`;
  };
  const enc = schema.fields.map((f, k) => {
    const key = JSON.stringify(f.name);
    if (f.timer) return checked(k, `(t = timers[${key}]) === undefined ? -1 : t.remaining()`);
    const i = slotOf.get(f.name)!;
    if (f.length === undefined) return checked(k, `this.$${i}`);
    return `a = this.$${i}; if (!Array.isArray(a)) return slow(schema, this.$snapshot(timers)); out.push(a.length); for (let j = 0; j < a.length; j++) { ${checked(k, 'a[j]')} }`;
  });
  members.push(`$encode(timers, schema) { const fields = schema.fields; const out = []; let t, a, v; ${enc.join(' ')} return out; }`);
  const name = `Tracked_${schema.device.replace(/\W/g, '_')}`;
  const source = [
    `return class ${name} {`,
    `constructor(init) { ${init.join(' ')} }`,
    ...members,
    '};',
    `//# sourceURL=migtrace-state/${schema.device.replace(/[^\w.-]/g, '_')}.js`,
  ].join('\n');
  return new Function('check', 'slow', source)(checkedValue, encodeState) as TrackedCtor;
}

/** A device's state object that marks its changes: `init`'s declared fields (it must have them all, and no others). */
export function trackedState<S extends object>(schema: StateSchema, init: S): S {
  const fields = stateFields(schema);
  const given = init as Record<string, FieldValue>;
  const names = new Set(fields.map((f) => f.name));
  const extra = Object.keys(given).filter((k) => !names.has(k));
  const missing = fields.filter((f) => !(f.name in given)).map((f) => f.name);
  if (extra.length > 0 || missing.length > 0) {
    throw new Error(`${schema.device}: state does not match its schema (${[...missing.map((m) => `missing ${m}`), ...extra.map((e) => `undeclared ${e}`)].join(', ')})`);
  }
  return new (classFor(schema))(given) as unknown as S;
}

/** Prefix of an array field's unmarking getter (arrayReader). */
const PEEK = '$peek_';

/** Source of an expression that reads array field `name` of `object` without marking it (the field itself on a plain state). */
export function unmarkedReadSource(object: string, name: string): string {
  return `(${object}[${JSON.stringify(PEEK + name)}] ?? ${object}[${JSON.stringify(name)}])`;
}

/** Array field `name` of `state`, without marking it: arrayReader's, for code that is not hot. */
export function readUnmarked(state: object, name: string): unknown {
  const s = state as Record<string, unknown>;
  return s[PEEK + name] ?? s[name];
}

/**
 * A reader of array field `name` that does not mark it: for device code that only reads its
 * elements (the ATA data port reading the 512-byte sector buffer: marked, every read cost the
 * recorder a comparison of all 512 bytes). Whoever writes an element must take the array
 * through the state's own getter. Works on plain states too (the field itself).
 */
export function arrayReader<S extends object, K extends keyof S & string>(name: K): (state: S) => S[K] {
  return new Function('s', `return ${unmarkedReadSource('s', name)};`) as (state: S) => S[K];
}

/** The tracking internals of a device's state, or undefined for a plain object. */
export function trackingOf(state: object): TrackedStateInternals | undefined {
  const s = state as Partial<TrackedStateInternals>;
  return typeof s.$words === 'number' ? (s as TrackedStateInternals) : undefined;
}

/** The field names a state object holds: its declared fields when tracked, its own keys when plain. */
export function stateKeys(state: object): string[] {
  return trackingOf(state) === undefined ? Object.keys(state) : Object.keys((state as { toJSON(): object }).toJSON());
}

/** The mark words of a tracked state (tests). */
export function marksOf(state: object): number[] {
  const t = trackingOf(state);
  if (t === undefined) return [];
  const s = state as unknown as Record<string, number>;
  return Array.from({ length: t.$words }, (_, w) => s[`$m${w}`]);
}

/** Clear a tracked state's marks (a tracker that has just taken the state as it is). */
export function clearMarks(state: object): void {
  const t = trackingOf(state);
  if (t === undefined) return;
  const s = state as unknown as Record<string, number>;
  for (let w = 0; w < t.$words; w++) s[`$m${w}`] = 0;
}
