/**
 * The outside world: an input script schedules serial bytes and Ethernet frames at given
 * instruction counts (format: docs/input-script.md), and the InputScheduler delivers them at
 * exactly those icounts — to the UART's receiveByte and to the NIC's frame callback.
 *
 * Everything wrong with a script is an InputError at load time, one line naming the file and
 * line; nothing about the script can fail mid-run. The script's content hash (sha256 of a
 * canonical encoding of its events, so comments and spelling do not change it) goes into the
 * trace header.
 *
 * The scheduler's position in the script (`next_event`) is machine state: a migration or a
 * replay must carry it, so the scheduler is a tiny Device with no ports (device name
 * "input"), snapshotted with the others. Board wiring:
 *   const input = new InputScheduler(ctx, script, { serial: (b) => uart.receiveByte(b), frame: (f) => nic.receiveFrame(f) });
 *   input.attach(bus);   // registers "input" (no ports) so timer events name it
 *   input.reset();       // with the other devices; arms the first event
 * All bytes of one `serial` event are handed to the UART at that icount, one after another;
 * the UART's FIFO and overrun rules decide what the guest sees (`every N` spaces them out).
 */
import { createHash } from 'node:crypto';
import type { Bus } from '../machine/bus.js';
import type { Timer } from '../machine/clock.js';
import { InputError } from '../errors.js';
import { readRegularFile } from '../files.js';
import { Device, type DeviceContext } from './device.js';
import type { StateSchema } from './schema.js';
import { isSet1Code, typeCharacter } from './i8042-scancodes.js';
import { trackedState } from './tracked-state.js';

export type InputTarget = 'serial' | 'nic' | 'keyboard';

export interface InputEvent {
  readonly icount: number;
  readonly target: InputTarget;
  readonly data: Uint8Array;
}

export interface InputScript {
  /** Where the script came from (file path or a label), for messages. */
  readonly source: string;
  /** Events sorted by icount; events at the same icount keep script order. */
  readonly events: readonly InputEvent[];
  /** sha256 (hex) of the canonical encoding of the events. */
  readonly hash: string;
}

/** Ethernet frame length limits without FCS: header only .. header + 1500-byte payload + VLAN tag. */
export const MIN_FRAME_BYTES = 14;
export const MAX_FRAME_BYTES = 1518;

const TARGETS = 'serial, serial-hex, key, key-hex or frame';

/** The set-1 codes typed for `text`, one group per character (press and release, shift around it). */
function typeText(bytes: Uint8Array, fail: (msg: string) => InputError): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const ch of Buffer.from(bytes).toString('utf8')) {
    const codes = typeCharacter(ch);
    if (codes === null) throw fail(`no key on a US keyboard types ${JSON.stringify(ch)} (use key-hex with scan codes)`);
    out.push(Uint8Array.from(codes));
  }
  return out;
}

const HASH_MAGIC = 'migtrace-input-script-v1\n';

function scriptError(source: string, line: number, message: string): InputError {
  return new InputError('BAD_INPUT_SCRIPT', `${source}:${line}: ${message}`);
}

type Token = { kind: 'word'; text: string } | { kind: 'string'; bytes: Uint8Array };

const ESCAPES: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, '0': 0x00, e: 0x1b, '\\': 0x5c, '"': 0x22 };

/** Split a logical line into words and quoted strings; `#` outside quotes starts a comment. */
function tokenize(text: string, fail: (msg: string) => InputError): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    // Any whitespace separates (a BOM, NBSP, VT or FF too): a word is what lies between.
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      break;
    } else if (c === '"') {
      const bytes: number[] = [];
      i++;
      for (;;) {
        if (i >= text.length) throw fail('unterminated string (missing closing ")');
        const ch = text[i];
        if (ch === '"') {
          i++;
          break;
        }
        if (ch === '\\') {
          const e = text[i + 1];
          if (e === 'x') {
            const hex = text.slice(i + 2, i + 4);
            if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw fail(`bad escape "\\x${hex}": \\x needs two hex digits`);
            bytes.push(parseInt(hex, 16));
            i += 4;
          } else if (e !== undefined && e in ESCAPES) {
            bytes.push(ESCAPES[e]);
            i += 2;
          } else {
            throw fail(`unknown escape "\\${e ?? ''}" (use \\n \\r \\t \\0 \\e \\\\ \\" or \\xHH)`);
          }
        } else {
          const cp = text.codePointAt(i)!;
          const ch2 = String.fromCodePoint(cp);
          for (const b of Buffer.from(ch2, 'utf8')) bytes.push(b);
          i += ch2.length;
        }
      }
      if (i < text.length && !/[\s#]/.test(text[i])) throw fail('unexpected text right after a closing "');
      tokens.push({ kind: 'string', bytes: Uint8Array.from(bytes) });
    } else {
      let j = i;
      while (j < text.length && !/[\s#"]/.test(text[j])) j++;
      tokens.push({ kind: 'word', text: text.slice(i, j) });
      i = j;
    }
  }
  return tokens;
}

/** A non-negative integer: 1000000, 1_000_000, 1e6, 0x10000. */
function parseIcount(text: string, what: string, fail: (msg: string) => InputError): number {
  if (text.startsWith('-')) throw fail(`${what} "${text}" is negative`);
  const plain = text.replace(/_/g, '');
  if (!/^(0x[0-9a-f]+|\d+(\.\d+)?(e\d+)?)$/i.test(plain)) throw fail(`${what} "${text}" is not a number`);
  const n = Number(plain);
  if (!Number.isSafeInteger(n)) throw fail(`${what} "${text}" is not a whole number below 2^53`);
  return n;
}

/** Hex bytes: pairs of digits, optionally separated by spaces, ':' or '-'. */
function parseHex(words: string[], fail: (msg: string) => InputError): Uint8Array {
  const digits = words.join('').replace(/[:-]/g, '');
  const bad = /[^0-9a-fA-F]/.exec(digits);
  if (bad) throw fail(`"${bad[0]}" is not a hex digit`);
  if (digits.length % 2 !== 0) throw fail(`odd number of hex digits (${digits.length}): bytes are two digits each`);
  const out = new Uint8Array(digits.length / 2);
  for (let k = 0; k < out.length; k++) out[k] = parseInt(digits.slice(2 * k, 2 * k + 2), 16);
  return out;
}

/** Parse an input script (docs/input-script.md). Throws InputError naming `sourceName:line`. */
export function parseInputScript(text: string, sourceName: string): InputScript {
  const lines = text.split('\n');
  const events: InputEvent[] = [];
  let previous = 0;
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    let logical = lines[n];
    // A backslash at the end of a line joins the next one (long frames).
    while (/\\\s*$/.test(logical) && !/#/.test(logical.replace(/"(?:[^"\\]|\\.)*"/g, ''))) {
      logical = logical.replace(/\\\s*$/, ' ');
      if (n + 1 >= lines.length) break;
      logical += lines[++n];
    }
    const fail = (msg: string): InputError => scriptError(sourceName, lineNo, msg);
    const tokens = tokenize(logical, fail);
    if (tokens.length === 0) continue;

    const [whenTok, targetTok, ...rest] = tokens;
    if (whenTok.kind !== 'word') throw fail('a line starts with an icount');
    const relative = whenTok.text.startsWith('+');
    const offset = parseIcount(relative ? whenTok.text.slice(1) : whenTok.text, 'icount', fail);
    const icount = relative ? previous + offset : offset;
    if (!Number.isSafeInteger(icount)) throw fail(`icount ${whenTok.text} is too large`);
    if (icount < previous) throw fail(`icount ${icount} is before the previous line's ${previous}: lines must be in time order`);
    previous = icount;

    if (targetTok === undefined) throw fail(`nothing scheduled at icount ${icount} (expected ${TARGETS})`);
    if (targetTok.kind !== 'word') throw fail(`expected a target (${TARGETS}) before the string`);
    let args = rest;
    let every = 0;
    const k = args.findIndex((t) => t.kind === 'word' && t.text === 'every');
    if (k >= 0) {
      const spacing = args[k + 1];
      if (spacing === undefined || spacing.kind !== 'word' || args.length !== k + 2) {
        throw fail('"every" takes one number and ends the line: every N');
      }
      every = parseIcount(spacing.text, 'spacing', fail);
      if (every === 0) throw fail('"every 0": the spacing must be at least 1 instruction');
      args = args.slice(0, k);
    }
    const words = (): string[] =>
      args.map((t) => {
        if (t.kind !== 'word') throw fail('a quoted string is only allowed after "serial" or "key"');
        return t.text;
      });

    let target: InputTarget;
    let data: Uint8Array;
    /** Keyboard events go out a key (text) or a scan code (hex) at a time with `every`. */
    let groups: Uint8Array[] | null = null;
    switch (targetTok.text) {
      case 'key': {
        if (args.length !== 1 || args[0].kind !== 'string') throw fail('key takes one quoted string: key "text"');
        target = 'keyboard';
        groups = typeText(args[0].bytes, fail);
        data = Uint8Array.from(groups.flatMap((g) => [...g]));
        break;
      }
      case 'key-hex': {
        target = 'keyboard';
        data = parseHex(words(), fail);
        const bad = data.find((c) => !isSet1Code(c));
        if (bad !== undefined) throw fail(`0x${bad.toString(16).padStart(2, '0')} is not a set-1 scan code of a key (nor an E0/E1 prefix)`);
        groups = [...data].map((c) => Uint8Array.of(c));
        break;
      }
      case 'serial':
        if (args.length !== 1 || args[0].kind !== 'string') throw fail('serial takes one quoted string: serial "text"');
        target = 'serial';
        data = args[0].bytes;
        break;
      case 'serial-hex':
        target = 'serial';
        data = parseHex(words(), fail);
        break;
      case 'frame':
      case 'nic':
        if (every !== 0) throw fail('"every" applies to serial data and keys, not frames');
        target = 'nic';
        data = parseHex(words(), fail);
        if (data.length < MIN_FRAME_BYTES || data.length > MAX_FRAME_BYTES) {
          throw fail(`frame of ${data.length} bytes: an Ethernet frame is ${MIN_FRAME_BYTES} to ${MAX_FRAME_BYTES} bytes (no FCS)`);
        }
        break;
      default:
        throw fail(`unknown target "${targetTok.text}" (expected ${TARGETS})`);
    }
    if (data.length === 0) throw fail(`empty ${targetTok.text} data`);
    if (every > 0 && groups !== null) {
      for (let g = 0; g < groups.length; g++) {
        const at = icount + g * every;
        if (!Number.isSafeInteger(at)) throw fail('"every" runs past the largest icount');
        events.push({ icount: at, target, data: groups[g] });
      }
    } else if (every > 0) {
      for (let b = 0; b < data.length; b++) {
        const at = icount + b * every;
        if (!Number.isSafeInteger(at)) throw fail('"every" runs past the largest icount');
        events.push({ icount: at, target, data: data.slice(b, b + 1) });
      }
    } else {
      events.push({ icount, target, data });
    }
  }
  events.sort((a, b) => a.icount - b.icount); // stable: same icount keeps script order
  return { source: sourceName, events, hash: hashInputEvents(events) };
}

const INPUT_FILE_CODES = { notFound: 'INPUT_NOT_FOUND', bad: 'BAD_INPUT_SCRIPT' };
/** An input script is text a person writes; 64 MiB is far past any real one. */
export const MAX_INPUT_SCRIPT_BYTES = 64 * 1024 * 1024;

/** Read and parse a script file; a missing or unreadable file is an InputError. */
export function loadInputScript(path: string): InputScript {
  const text = readRegularFile(path, 'input script', INPUT_FILE_CODES, MAX_INPUT_SCRIPT_BYTES).toString('utf8');
  return parseInputScript(text, path);
}

/** sha256 over a magic line and, per event, icount (u64 LE), target (0 serial, 1 nic, 2 keyboard), length (u32 LE), bytes. */
export function hashInputEvents(events: readonly InputEvent[]): string {
  const h = createHash('sha256');
  h.update(HASH_MAGIC);
  const head = Buffer.alloc(13);
  for (const e of events) {
    head.writeBigUInt64LE(BigInt(e.icount), 0);
    head.writeUInt8(e.target === 'serial' ? 0 : e.target === 'nic' ? 1 : 2, 8);
    head.writeUInt32LE(e.data.length, 9);
    h.update(head);
    h.update(e.data);
  }
  return h.digest('hex');
}

// ---------------------------------------------------------------------- delivery

export interface InputSinks {
  /** A byte for the UART (uart.receiveByte). */
  serial(byte: number): void;
  /** A frame for the NIC; required when the script has frames. Gets its own copy of the bytes. */
  frame?(data: Uint8Array): void;
  /** Set-1 scan codes typed on the keyboard (i8042.typeCodes); required when the script has key events. */
  keyboard?(codes: Uint8Array): void;
}

const SCHEMA: StateSchema = {
  device: 'input',
  version: 1,
  fields: [
    { name: 'next_event', width: 32, access: 'internal', role: 'processing', doc: 'index of the next script event to deliver (the outside world\'s position)' },
    { name: 'delivery_timer', width: 64, access: 'internal', role: 'processing', timer: true, doc: 'fires at the next event\'s icount' },
  ],
};

export type InputSchedulerState = { next_event: number };

export class InputScheduler extends Device<InputSchedulerState> {
  readonly schema = SCHEMA;
  state: InputSchedulerState = trackedState(SCHEMA, { next_event: 0 });
  private readonly deliveryTimer: Timer;

  constructor(
    ctx: DeviceContext,
    readonly script: InputScript,
    private readonly sinks: InputSinks,
  ) {
    super(ctx);
    if (sinks.frame === undefined) {
      const frame = script.events.find((e) => e.target === 'nic');
      if (frame !== undefined) {
        throw new InputError('NO_NIC', `input script ${script.source} sends a frame at icount ${frame.icount}, but the machine has no network card`);
      }
    }
    if (sinks.keyboard === undefined) {
      const key = script.events.find((e) => e.target === 'keyboard');
      if (key !== undefined) {
        throw new InputError('NO_KEYBOARD', `input script ${script.source} types a key at icount ${key.icount}, but the machine has no keyboard`);
      }
    }
    this.deliveryTimer = this.addTimer('delivery_timer', (now) => this.deliver(now));
  }

  /** Register "input" on the bus (no ports), so timer events carry its device id. */
  attach(bus: Bus): void {
    this.id = bus.registerDevice(this.name);
  }

  /** Back to the start of the script; the first event is armed at its absolute icount. */
  reset(): void {
    this.state.next_event = 0;
    this.armNext();
  }

  /**
   * The outside world carries on from event `next`: a migration destination joins the world
   * where the source left it, and nothing before `next` is delivered again. (The world's
   * position is not device state a hypervisor could capture; the migration carries it.)
   */
  continueFrom(next: number): void {
    if (!Number.isSafeInteger(next) || next < 0 || next > this.script.events.length) {
      throw new InputError('BAD_INPUT_POSITION', `input script ${this.script.source} has ${this.script.events.length} events; cannot continue from event ${next}`);
    }
    this.state.next_event = next;
    this.armNext();
  }

  /** Events delivered so far: where a migration's destination continues (continueFrom). */
  get delivered(): number {
    return this.state.next_event;
  }

  private deliver(now: number): void {
    const events = this.script.events;
    const s = this.state;
    while (s.next_event < events.length && events[s.next_event].icount <= now) {
      const e = events[s.next_event++];
      if (e.target === 'serial') {
        for (let i = 0; i < e.data.length; i++) this.sinks.serial(e.data[i]);
      } else if (e.target === 'keyboard') {
        this.sinks.keyboard!(e.data.slice());
      } else {
        this.sinks.frame!(e.data.slice());
      }
    }
    this.armNext();
  }

  private armNext(): void {
    const next = this.script.events[this.state.next_event];
    if (next === undefined) this.deliveryTimer.cancel();
    else this.deliveryTimer.arm(next.icount);
  }

  protected override derived(): Record<string, number | string> {
    const next = this.script.events[this.state.next_event];
    return {
      events: this.script.events.length,
      next_event_icount: next === undefined ? -1 : next.icount,
      script_hash: this.script.hash,
    };
  }
}
