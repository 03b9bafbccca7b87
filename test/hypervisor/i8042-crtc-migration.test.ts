/**
 * The 8042 and the CRTC migrate through their registers: the source is driven by guest-origin
 * accesses into a state mid-sequence, captured, and a fresh destination rebuilt through the bus
 * must hold the same declared state (the oracle, which only tests may read); the source must be
 * left as it was.
 */
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/board/machine.js';
import { BareMetalHypervisor } from '../../src/hypervisor/hypervisor.js';
import { reconstructDevices, reconstructionBudget } from '../../src/hypervisor/destination.js';
import { BOARD } from '../../src/board/layout.js';
import type { HypervisorOptions } from '../../src/hypervisor/api.js';
import { compareDevices, oracleStates } from './helpers.js';

const KDATA = BOARD.i8042.data;
const KCMD = BOARD.i8042.command;
const CIDX = BOARD.crtc.index;
const CDAT = BOARD.crtc.data;

function roundTrip(drive: (m: Machine) => void, options: Partial<HypervisorOptions> = {}, attachAfter?: (m: Machine) => void) {
  const source = new Machine();
  // Past the longest reconstruction window (the RTC divider's 1.5 s), so the destination's window fits.
  source.advancePaused(200_000_000);
  attachAfter?.(source);
  const hv = BareMetalHypervisor.attach(source, options);
  drive(source);
  source.advancePaused(1000);
  const before = oracleStates(source);
  const capture = hv.captureDevices();
  const notes = [...hv.lastNotes];
  const after = oracleStates(source);
  const dest = new Machine();
  dest.advancePaused(Math.max(0, source.clock.icount - reconstructionBudget(capture, source.clock.hz)));
  const report = reconstructDevices(dest, capture, { attach: 'boot', agent: false, faults: new Set() });
  const only = (diffs: ReturnType<typeof compareDevices>) => diffs.filter((d) => d.path.startsWith('i8042') || d.path.startsWith('crtc')).map((d) => `${d.path}: ${d.source} vs ${d.destination}`);
  return {
    source, dest, capture, notes: [...notes, ...report.notes],
    destDiffs: only(compareDevices(source, before, oracleStates(dest))),
    sourceDisturbed: only(compareDevices(source, before, after)),
  };
}

describe('8042 migration', () => {
  it('after 0xD1 was written but before its data byte: the destination takes the next byte as the output port', () => {
    const r = roundTrip((m) => {
      m.bus.pioWrite(KCMD, 1, 0xd1);
    });
    expect(r.destDiffs).toEqual([]);
    expect(r.sourceDisturbed).toEqual([]);
    expect(r.dest.board.i8042.state.pending_command).toBe(0xd1);
    r.dest.bus.pioWrite(KDATA, 1, 0xdd);
    expect(r.dest.memory.a20Enabled).toBe(false); // one A20 latch: port 0x92 reads it back
    expect(r.dest.bus.pioRead(BOARD.sysctl.port, 1) & 2).toBe(0);
    r.dest.bus.pioWrite(BOARD.sysctl.port, 1, 2);
    expect(r.dest.memory.a20Enabled).toBe(true);
  });

  it('with a pending output byte (a typed key, IRQ1 high): read out, put back on the source, rebuilt on the destination', () => {
    const r = roundTrip((m) => {
      m.board.i8042.typeCodes(Uint8Array.of(0x1e));
    });
    expect(r.destDiffs).toEqual([]);
    expect(r.sourceDisturbed).toEqual([]);
    expect(r.capture.devices.find((d) => d.device === 'i8042')!.provenance.output_buffer).toBe('read');
    expect(r.dest.bus.pioRead(KDATA, 1)).toBe(0x1e);
    expect(r.notes.some((n) => n.startsWith('i8042.kbd_queue:'))).toBe(true);
  });

  it('with the keyboard mid-command (ED sent, LED byte not yet), LEDs, scan set, scanning off and a new command byte', () => {
    const r = roundTrip((m) => {
      const b = m.bus;
      b.pioWrite(KCMD, 1, 0x60);
      b.pioWrite(KDATA, 1, 0x47);
      for (const v of [0xf5, 0xf0, 0x03, 0xf3, 0x20, 0xed]) {
        b.pioWrite(KDATA, 1, v);
        while (b.pioRead(KCMD, 1) & 1) b.pioRead(KDATA, 1);
      }
    });
    expect(r.destDiffs).toEqual([]);
    expect(r.sourceDisturbed).toEqual([]);
  });

  it('with the status A2 bit from a data write and a disabled keyboard interface holding a reply', () => {
    const r = roundTrip((m) => {
      const b = m.bus;
      b.pioWrite(KDATA, 1, 0xf2); // identify: ACK in the buffer, AB 83 behind it
      b.pioWrite(KCMD, 1, 0xad);
      b.pioWrite(KCMD, 1, 0xd1);
      b.pioWrite(KDATA, 1, 0xcf); // last write: data
    });
    // The keyboard's AB 83 behind the full buffer are the one residual.
    expect(r.destDiffs.filter((d) => !d.startsWith('i8042.kbd_'))).toEqual([]);
    expect(r.sourceDisturbed).toEqual([]);
  });

  it('after a late attach: the command byte and output port are read through the output buffer', () => {
    const r = roundTrip(() => {}, { attach: 'late' }, (m) => {
      m.bus.pioWrite(KCMD, 1, 0x60);
      m.bus.pioWrite(KDATA, 1, 0x44);
      m.bus.pioWrite(KCMD, 1, 0xdd);
    });
    const cap = r.capture.devices.find((d) => d.device === 'i8042')!;
    expect(cap.fields.command_byte).toBe(0x44);
    expect(cap.fields.output_port).toBe(0xcd);
    expect(cap.provenance.command_byte).toBe('read');
    expect(r.sourceDisturbed).toEqual([]);
  });

  it('A20 closed through port 0x92 after xv6 opened it through the 8042: the destination keeps it closed', () => {
    const r = roundTrip((m) => {
      m.bus.pioWrite(KCMD, 1, 0xd1);
      m.bus.pioWrite(KDATA, 1, 0xdf);
      m.bus.pioWrite(BOARD.sysctl.port, 1, 0);
    });
    expect(r.destDiffs).toEqual([]);
    expect([r.source.memory.a20Enabled, r.dest.memory.a20Enabled]).toEqual([false, false]);
  });
});

describe('CRTC migration', () => {
  it('with the index set to R14 and the cursor moved, R10 (write-only) changed: all rebuilt, index last', () => {
    const r = roundTrip((m) => {
      const b = m.bus;
      for (const [reg, v] of [[10, 0x20], [14, 0x03], [15, 0x21], [12, 0x01]]) {
        b.pioWrite(CIDX, 1, reg);
        b.pioWrite(CDAT, 1, v);
      }
      b.pioWrite(CIDX, 1, 14);
    });
    expect(r.destDiffs).toEqual([]);
    expect(r.sourceDisturbed).toEqual([]);
    expect(r.dest.board.crtc.state.index).toBe(14);
    expect(r.dest.board.crtc.state.timing[10]).toBe(0x20);
  });
});
