/**
 * The net-echo guest (guests/src/net-echo.c): an interrupt-driven RTL8169 driver that
 * echoes every frame the NIC accepts. migtrace only — QEMU's PC has no RTL8169.
 *
 * The frames come from guests/inputs/make-net-input.mjs; what the guest must send back and
 * print is recomputed here from the frames alone: the NIC's address filter (our unicast and
 * broadcast; other stations and multicast dropped), descriptors running out within a burst
 * (RDU: the frame is lost, RxMissed counts it), the reply (to the sender, from our MAC, the
 * ethertype kept, payload bytes 0..3 = the frame number big-endian, zero-padded to 60
 * bytes), the quit frame and frames= limit, the ring positions and the payload CRC-32.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInputScript } from '../../src/devices/input-script.js';
import { EXIT_FAILURE, EXIT_SUCCESS, guestImage, guestsDir } from './expectations.js';
import { crc32, MAX_INSTRUCTIONS } from './harness.js';
// @ts-expect-error plain JavaScript module without type declarations
import * as generator from '../../guests/inputs/make-net-input.mjs';
import { Machine } from '../../src/board/machine.js';

interface GeneratedFrame {
  kind: 'unicast' | 'broadcast' | 'other' | 'multicast' | 'quit';
  group: number;
  index: number;
  bytes: Uint8Array;
}

interface GeneratorOptions {
  frames?: number;
  start?: number;
  spacing?: number;
  burst?: number;
}

const gen = generator as {
  NIC_MAC: number[];
  PEER_MAC: number[];
  netEchoFrames(o?: GeneratorOptions): GeneratedFrame[];
  netEchoScript(o?: GeneratorOptions): string;
};

const NIC_MAC = gen.NIC_MAC;
const COMMITTED_INPUT = join(guestsDir, 'inputs', 'net-echo.input');

interface Expected {
  echoes: Uint8Array[];
  serialTail: string;
  /** Script indices of the frames the guest took from the RX ring. */
  received: number[];
  missed: number;
}

/** What the guest must do with these frames (ring descriptors, frames= limit). */
function expectedRun(frames: GeneratedFrame[], ring: number, maxFrames = 0): Expected {
  const echoes: Uint8Array[] = [];
  const received: number[] = [];
  let unicast = 0;
  let broadcast = 0;
  let missed = 0;
  let crc = 0;
  let quit = false;
  // Every group arrives at one icount, after the guest has emptied the ring of the last one:
  // `ring` descriptors are free for it, and accepted frames beyond that are dropped.
  const usedInGroup = new Map<number, number>();
  for (const f of frames) {
    if (quit || (maxFrames > 0 && received.length >= maxFrames)) break;
    if (f.kind === 'other' || f.kind === 'multicast') continue; // the NIC's address filter
    const used = usedInGroup.get(f.group) ?? 0;
    if (used >= ring) {
      missed++;
      continue;
    }
    usedInGroup.set(f.group, used + 1);
    received.push(f.index);
    const k = received.length;
    if (f.kind === 'broadcast') broadcast++;
    else unicast++;
    crc = crc32(f.bytes.subarray(14), crc);
    if (f.kind === 'quit') {
      quit = true;
      continue;
    }
    const reply = new Uint8Array(Math.max(60, f.bytes.length));
    reply.set(f.bytes.subarray(6, 12), 0);
    reply.set(NIC_MAC, 6);
    reply.set(f.bytes.subarray(12), 12);
    new DataView(reply.buffer).setUint32(14, k, false);
    echoes.push(reply);
  }
  const n = received.length;
  const serialTail =
    (quit ? `net-echo: quit frame after ${n - 1} frames\n` : `net-echo: stopped after ${n} frames\n`) +
    `net-echo: received ${n} (${unicast} unicast, ${broadcast} broadcast), sent ${echoes.length}, ` +
    `rx errors 0, missed ${missed}\n` +
    `net-echo: rx ring at ${n % ring}, tx ring at ${echoes.length % ring} of ${ring} descriptors\n` +
    `net-echo: payload crc32 0x${crc.toString(16).padStart(8, '0')}\n`;
  return { echoes, serialTail, received, missed };
}

function headerLine(ring: number, irq: 'ioapic' | 'pic'): string {
  const how = irq === 'ioapic' ? 'ioapic, vector 0x50' : 'pic, vector 0x2b';
  return `net-echo: rtl8169 at 00:03.0 mmio 0xfebff000 irq 11 (${how}) mac 52:54:00:12:34:56 ring ${ring} link 1000/full\n`;
}

interface EchoRun {
  serial: string;
  exitStatus: number | null;
  status: string;
  message: string;
  icount: number;
  framesOut: Uint8Array[];
}

async function runEcho(scriptText: string, args?: string): Promise<EchoRun> {
  const input = parseInputScript(scriptText, 'net-echo test input');
  const machine = Machine.boot(guestImage('net-echo'), { ...(args === undefined ? {} : { args }), input });
  const r = machine.run({ maxInstructions: MAX_INSTRUCTIONS });
  return { ...r, framesOut: machine.framesOut };
}

const hexFrames = (frames: Uint8Array[]) => frames.map((f) => Buffer.from(f).toString('hex'));

/** Run, then check the serial output and every frame sent against the model. */
async function checkRun(options: GeneratorOptions, ring: number, args?: string, irq: 'ioapic' | 'pic' = 'ioapic', maxFrames = 0) {
  const frames = gen.netEchoFrames(options);
  const want = expectedRun(frames, ring, maxFrames);
  const run = await runEcho(gen.netEchoScript(options), args);
  expect(run.status, run.message).toBe('exited');
  expect(run.serial).toBe(headerLine(ring, irq) + want.serialTail);
  expect(run.exitStatus).toBe(EXIT_SUCCESS);
  expect(hexFrames(run.framesOut)).toEqual(hexFrames(want.echoes));
  return { run, frames, want };
}

describe('net-echo input generator', () => {
  it('made the committed guests/inputs/net-echo.input (node guests/inputs/make-net-input.mjs)', () => {
    expect(readFileSync(COMMITTED_INPUT, 'utf8')).toBe(gen.netEchoScript());
  });

  it('mixes frames to the NIC with broadcasts and frames the filter must drop, ending with quit', () => {
    const frames = gen.netEchoFrames();
    const count = (kind: string) => frames.filter((f) => f.kind === kind).length;
    expect(count('unicast')).toBe(50);
    expect(count('broadcast')).toBeGreaterThan(0);
    expect(count('other')).toBeGreaterThan(0);
    expect(count('multicast')).toBeGreaterThan(0);
    expect(frames[frames.length - 1].kind).toBe('quit');
    expect(Math.max(...frames.map((f) => f.bytes.length))).toBe(1514);
    // The parsed script holds exactly these frames.
    const script = parseInputScript(readFileSync(COMMITTED_INPUT, 'utf8'), COMMITTED_INPUT);
    expect(script.events.map((e) => Buffer.from(e.data).toString('hex'))).toEqual(hexFrames(frames.map((f) => f.bytes)));
  });
});

describe('net-echo on migtrace', () => {
  it('echoes the committed input: swapped MACs, frame numbers, nothing for other stations', async (ctx) => {
    const frames = gen.netEchoFrames();
    const want = expectedRun(frames, 16);
    const run = await runEcho(readFileSync(COMMITTED_INPUT, 'utf8'));
    expect(run.status, run.message).toBe('exited');
    expect(run.exitStatus).toBe(EXIT_SUCCESS);
    expect(run.serial).toBe(headerLine(16, 'ioapic') + want.serialTail);
    expect(run.serial).toContain('net-echo: quit frame after 57 frames\n');
    expect(run.framesOut.length).toBe(57);
    expect(hexFrames(run.framesOut)).toEqual(hexFrames(want.echoes));

    // The same, spelled out frame by frame.
    const byIndex = new Map(frames.map((f) => [f.index, f]));
    const echoedIndices = run.framesOut.map((out, i) => {
      const index = new DataView(out.buffer, out.byteOffset).getUint32(18, false);
      const original = byIndex.get(index)!;
      expect([...out.subarray(0, 6)]).toEqual([...original.bytes.subarray(6, 12)]); // to the sender
      expect([...out.subarray(6, 12)]).toEqual(NIC_MAC); // from the NIC
      if (original.kind === 'unicast') expect([...out.subarray(6, 12)]).toEqual([...original.bytes.subarray(0, 6)]);
      expect([...out.subarray(12, 14)]).toEqual([0x88, 0xb5]);
      expect(new DataView(out.buffer, out.byteOffset).getUint32(14, false)).toBe(i + 1); // frame number
      expect([...out.subarray(18, original.bytes.length)]).toEqual([...original.bytes.subarray(18)]);
      return index;
    });
    const dropped = frames.filter((f) => f.kind === 'other' || f.kind === 'multicast').map((f) => f.index);
    expect(dropped.length).toBeGreaterThan(0);
    for (const index of dropped) expect(echoedIndices).not.toContain(index);
  });

  it('is deterministic: the same frames and instruction count twice', async (ctx) => {
    const text = gen.netEchoScript({ frames: 20 });
    const a = await runEcho(text);
    const b = await runEcho(text);
    expect(a.icount).toBe(b.icount);
    expect(a.serial).toBe(b.serial);
    expect(hexFrames(a.framesOut)).toEqual(hexFrames(b.framesOut));
  });

  it.for([4, 3, 1])('survives ring wrap: ring=%i, 58 frames through the rings', async (ring, ctx) => {
    await checkRun({}, ring, `ring=${ring}`);
  });

  it('routes the interrupt through the 8259A pair with irq=pic (ELCR level mode)', async (ctx) => {
    await checkRun({}, 16, 'irq=pic', 'pic');
  });

  it('stops after frames= N, before the quit frame', async (ctx) => {
    const { run } = await checkRun({}, 16, 'frames=10', 'ioapic', 10);
    expect(run.serial).toContain('net-echo: stopped after 10 frames\n');
  });

  it('takes several frames per interrupt, and loses what a burst brings beyond the free descriptors', async (ctx) => {
    // Bursts of 3 fit a 4-descriptor ring; bursts of 6 do not (RDU, RxMissed).
    const fits = await checkRun({ frames: 30, burst: 3, spacing: 200_000 }, 4, 'ring=4');
    expect(fits.want.missed).toBe(0);
    const overflow = await checkRun({ frames: 30, burst: 6, spacing: 200_000 }, 4, 'ring=4');
    expect(overflow.want.missed).toBeGreaterThan(0);
    expect(overflow.run.serial).toContain(`missed ${overflow.want.missed}\n`);
  });

  it('rejects bad arguments', async (ctx) => {
    const bad = await runEcho(gen.netEchoScript({ frames: 1 }), 'irq=msi');
    expect(bad.serial).toBe('net-echo: irq= must be ioapic or pic\n');
    expect(bad.exitStatus).toBe(EXIT_FAILURE);
    const ring = await runEcho(gen.netEchoScript({ frames: 1 }), 'ring=1025');
    expect(ring.serial).toBe('net-echo: ring=1025: must be 1..1024\n');
    expect(ring.exitStatus).toBe(EXIT_FAILURE);
  });
});
