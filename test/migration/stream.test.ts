import { describe, expect, it } from 'vitest';
import { MigtraceError } from '../../src/errors.js';
import {
  HEADER_BYTES,
  SECTION,
  STREAM_MAJOR,
  STREAM_MINOR,
  StreamReader,
  StreamWriter,
  decodeSection,
  encodeSection,
  frameSection,
  readAllSections,
  streamHeader,
  type PbCpu,
  type PbDeviceCapture,
  type PbPageBatch,
} from '../../src/migration/stream.js';
import { captureFromPb, captureToPb, cpuFromPb, cpuToPb } from '../../src/migration/sections.js';
import { CPU_SCHEMA, encodeCpuState } from '../../src/machine/cpu/state.js';
import { bootGuest } from './helpers.js';

function writeAll(sections: [number, object][]): Uint8Array {
  const parts: Uint8Array[] = [];
  const w = new StreamWriter((b) => parts.push(b));
  for (const [k, body] of sections) w.write(k as 1, body);
  return new Uint8Array(Buffer.concat(parts));
}

function expectCode(fn: () => unknown, code: string, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MigtraceError);
    expect((err as MigtraceError).code).toBe(code);
    expect((err as Error).message).toMatch(message);
    return;
  }
  throw new Error(`expected ${code}`);
}

const batch: PbPageBatch = {
  phase: 1,
  round: 3,
  pages: [5, 9],
  data: new Uint8Array(8192).map((_, i) => i & 0xff),
  zeroPages: [0, 1, 2],
  sourceIcount: 2 ** 40 + 7,
  roundEnd: false,
};

describe('migration stream', () => {
  it('round-trips sections: header, kinds, bodies, 64-bit icounts, page data', () => {
    const bytes = writeAll([
      [SECTION.PAGES, batch],
      [SECTION.END, { sections: 1, bytes: 123, rounds: [] }],
    ]);
    expect(Buffer.from(bytes.subarray(0, 8)).toString('latin1')).toBe('MIGSTRM\n');
    const sections = readAllSections(bytes);
    expect(sections.map((s) => s.kind)).toEqual([SECTION.PAGES, SECTION.END]);
    const b = decodeSection<PbPageBatch>(sections[0], SECTION.PAGES);
    expect(b.pages).toEqual([5, 9]);
    expect(b.zeroPages).toEqual([0, 1, 2]);
    expect(b.sourceIcount).toBe(2 ** 40 + 7);
    expect(Buffer.from(b.data).equals(Buffer.from(batch.data))).toBe(true);
    expect(sections[0].bytes + sections[1].bytes + HEADER_BYTES).toBe(bytes.length);
  });

  it('reads a stream that arrives a byte at a time', () => {
    const bytes = writeAll([
      [SECTION.PAGES, batch],
      [SECTION.END, { sections: 1, bytes: 0, rounds: [] }],
    ]);
    const r = new StreamReader();
    const kinds: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      r.push(bytes.subarray(i, i + 1));
      for (let s = r.next(); s !== null; s = r.next()) kinds.push(s.kind);
    }
    expect(kinds).toEqual([SECTION.PAGES, SECTION.END]);
    expect(r.pending).toBe(0);
  });

  it('carries the CPU state exactly, hidden segment caches, interrupt shadow and halted included', () => {
    const m = bootGuest('hello', undefined);
    m.run({ maxInstructions: 50_000 });
    const state = { ...m.cpu.getState(), interruptShadow: true, halted: true };
    state.ds = { selector: 0x10, base: 0x12340000, limit: 0xfffff, attributes: 0xc093 };
    const s = readAllSections(writeAll([[SECTION.CPU, cpuToPb(state)]]))[0];
    expect(cpuFromPb(decodeSection<PbCpu>(s, SECTION.CPU))).toEqual(state);
    // The section is the schema's values, nothing else: one per declared CPU field.
    expect(decodeSection<PbCpu>(s, SECTION.CPU)).toEqual({ schemaVersion: CPU_SCHEMA.version, values: encodeCpuState(state) });
  });

  it('refuses a CPU section of another CPU schema version, or with values missing', () => {
    const state = bootGuest('hello', undefined).cpu.getState();
    const pbCpu = cpuToPb(state);
    expectCode(() => cpuFromPb({ ...pbCpu, schemaVersion: CPU_SCHEMA.version + 1 }), 'UNSUPPORTED_CPU_STATE', new RegExp(`CPU state schema version ${CPU_SCHEMA.version + 1}, this migtrace has version ${CPU_SCHEMA.version}`));
    expectCode(() => cpuFromPb({ ...pbCpu, values: pbCpu.values.slice(0, 20) }), 'BAD_SECTION', /CPU section: cpu state ends at/);
  });

  it('carries captured devices with provenance and unknown fields', () => {
    const d = {
      device: 'pic.master',
      schemaVersion: 1,
      fields: { imr: 0xfb, irr: [1, 2, 3], icw4: 0 },
      provenance: { imr: 'read' as const, irr: 'inferred' as const, icw4: 'shadow' as const },
      unknown: ['ocw3'],
    };
    const s = readAllSections(writeAll([[SECTION.DEVICE, captureToPb(d)]]))[0];
    expect(captureFromPb(decodeSection<PbDeviceCapture>(s, SECTION.DEVICE))).toEqual(d);
  });

  it('refuses a stream of an unknown version, naming both versions', () => {
    const body = encodeSection(SECTION.END, { sections: 0, bytes: 0, rounds: [] });
    const newer = new Uint8Array(Buffer.concat([streamHeader(STREAM_MAJOR, STREAM_MINOR + 1), body]));
    expectCode(() => readAllSections(newer), 'UNSUPPORTED_VERSION', new RegExp(`version ${STREAM_MAJOR}\\.${STREAM_MINOR + 1} is not supported.*${STREAM_MAJOR}\\.0 to ${STREAM_MAJOR}\\.${STREAM_MINOR}`));
    const major = new Uint8Array(Buffer.concat([streamHeader(STREAM_MAJOR + 1, 0), body]));
    expectCode(() => readAllSections(major), 'UNSUPPORTED_VERSION', new RegExp(`version ${STREAM_MAJOR + 1}\\.0 is not supported: this`));
    // A 1.x stream (hand-listed CPU registers) is refused before any section is read.
    const old = new Uint8Array(Buffer.concat([streamHeader(1, 2), body]));
    expectCode(() => readAllSections(old), 'UNSUPPORTED_VERSION', new RegExp(`version 1\\.2 is not supported \\(an older migtrace wrote it: run the same migtrace release at both ends\\): this migtrace reads version ${STREAM_MAJOR}\\.0`));
    const older = new Uint8Array(Buffer.concat([streamHeader(STREAM_MAJOR, 0), body]));
    expect(readAllSections(older)).toHaveLength(1);
  });

  it('refuses something that is not a migration stream', () => {
    expectCode(() => readAllSections(new Uint8Array(Buffer.from('MIGTRACE and more bytes'))), 'BAD_MAGIC', /not a migtrace migration stream/);
  });

  it('refuses a section with a bad checksum, naming it, and never hands it out', () => {
    const bytes = writeAll([
      [SECTION.END, { sections: 0, bytes: 0, rounds: [] }],
      [SECTION.PAGES, batch],
    ]);
    const second = HEADER_BYTES + readAllSections(bytes)[0].bytes;
    bytes[second + 5 + 100] ^= 0x01; // a bit of page data in section 1
    const r = new StreamReader();
    r.push(bytes);
    expect(r.next()?.kind).toBe(SECTION.END);
    expectCode(() => r.next(), 'BAD_CHECKSUM', /section 1 \(PAGES\): checksum mismatch .* not applied/);
  });

  it('refuses a truncated stream and an implausible section length', () => {
    const bytes = writeAll([[SECTION.PAGES, batch]]);
    expectCode(() => readAllSections(bytes.subarray(0, bytes.length - 10)), 'TRUNCATED', /ends inside section 0/);
    const huge = writeAll([[SECTION.END, { sections: 0, bytes: 0, rounds: [] }]]);
    new DataView(huge.buffer, huge.byteOffset).setUint32(HEADER_BYTES + 1, 0xffffffff, true);
    expectCode(() => readAllSections(huge), 'BAD_SECTION', /implausible/);
  });

  it('refuses an unknown section kind and a section of the wrong kind', () => {
    const bytes = new Uint8Array(Buffer.concat([streamHeader(), frameSection(99 as 1, new Uint8Array(0))]));
    expectCode(() => readAllSections(bytes), 'UNKNOWN_SECTION', /does not know section kind 99/);
    const s = readAllSections(writeAll([[SECTION.END, { sections: 0, bytes: 0, rounds: [] }]]))[0];
    expectCode(() => decodeSection(s, SECTION.CPU), 'UNEXPECTED_SECTION', /END where CPU was expected/);
  });

  it('refuses a body that does not decode, even with a good checksum', () => {
    const bytes = new Uint8Array(Buffer.concat([streamHeader(), frameSection(SECTION.CPU, Uint8Array.of(0x0a, 0xff, 0xff))]));
    const s = readAllSections(bytes)[0];
    expectCode(() => decodeSection(s, SECTION.CPU), 'BAD_SECTION', /section 0 \(CPU\) does not decode/);
  });
});
