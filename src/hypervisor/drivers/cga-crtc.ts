/**
 * The CGA 6845 CRTC (device `crtc`). The index register and R0-R11 are write-only: the index
 * port is trapped for writes always, the data port for writes only while the index selects
 * R0-R11 (re-armed on every index write, as the CMOS data port is). R12-R15 and the light pen
 * (R16-R17) are read through the index, which is then written back from the shadow.
 * Reconstruction writes R0-R15 and the index last. The light pen registers cannot be written:
 * with no light pen they are 0 on both sides.
 *
 * The text buffer at 0xB8000 is RAM: migration carries it with the other pages.
 */
import type { DeviceDriver } from './driver.js';
import { DeviceCaptureBuilder } from '../captured.js';
import { DIR_WRITE, type Intercepts, type TrappedAccess } from '../intercepts.js';
import { KnownFields } from '../known-fields.js';
import { BOARD } from '../../board/layout.js';
import { CRTC_WRITE_ONLY, MODE3_TIMING } from '../../devices/cga-crtc.js';
import { RANK } from './ranks.js';

const INDEX = BOARD.crtc.index;
const DATA = BOARD.crtc.data;
const DEVICE = 'crtc';

export const CRTC_SHADOW_FIELDS = ['index', 'timing'] as const;

export class CrtcShadow {
  index = 0;
  readonly timing: number[] = [...MODE3_TIMING];
  readonly known: KnownFields;

  constructor(private readonly intercepts: Intercepts, bootAttach: boolean) {
    this.known = new KnownFields(CRTC_SHADOW_FIELDS, bootAttach);
    intercepts.onPort(INDEX, (a) => this.onIndex(a));
    intercepts.onPort(DATA, (a) => this.onData(a));
    intercepts.trapPort(INDEX, DIR_WRITE);
    this.retrap();
  }

  private onIndex(a: TrappedAccess): void {
    if (a.dir !== DIR_WRITE) return;
    this.index = a.value & 0x1f;
    this.known.learn('index');
    this.retrap();
  }

  private onData(a: TrappedAccess): void {
    if (a.dir === DIR_WRITE && this.index < CRTC_WRITE_ONLY) this.timing[this.index] = a.value & 0xff;
  }

  /** A guest agent's report: the index, or R`register` of R0-R11. */
  supply(field: string, register: number, value: number): boolean {
    if (field === 'index') this.index = value & 0x1f;
    else if (field === 'timing' && register < CRTC_WRITE_ONLY) this.timing[register] = value & 0xff;
    else return false;
    this.known.learn(field);
    this.retrap();
    return true;
  }

  /** Data-port writes exit only while they reach a write-only register. */
  private retrap(): void {
    this.intercepts.trapPort(DATA, DIR_WRITE, this.index < CRTC_WRITE_ONLY);
  }
}

export const crtcDriver: DeviceDriver<CrtcShadow> = {
  devices: [DEVICE],
  ports: [{ base: INDEX, count: 2 }],
  mmio: [],
  irqs: [],
  faults: [],
  captureStage: 'instant',

  attach({ intercepts, options }) {
    return new CrtcShadow(intercepts, options.attach === 'boot');
  },

  // R0-R11 after a late attach: known register by register is more than a guest needs; the
  // timing is unknown until the guest writes the index (a late attach keeps the BIOS's mode 3).
  unknownFields(shadow) {
    return shadow.known.unknown().map((f) => `${DEVICE}.${f}`);
  },

  agentReport(shadow, device, field, channel, value) {
    if (!shadow.supply(field, channel, value)) return null;
    return field === 'timing' ? `${device}.${field}[${channel}]` : `${device}.${field}`;
  },

  capture(ctx, shadow) {
    const io = ctx.io;
    const b = new DeviceCaptureBuilder(ctx.schema(DEVICE));
    const index = shadow.index;
    const read = (r: number) => {
      io.out8(INDEX, r);
      return io.in8(DATA);
    };
    b.set('address', [12, 13, 14, 15].map(read), 'read');
    b.set('light_pen', [16, 17].map(read), 'read');
    io.out8(INDEX, index);
    if (shadow.known.has('index')) b.set('index', index, 'shadow');
    else b.markUnknown('index');
    if (shadow.known.has('timing')) b.set('timing', shadow.timing.slice(), 'shadow');
    else b.markUnknown('timing');
    return { builders: [b] };
  },

  reconstruct: [
    {
      rank: RANK.crtc,
      plan(ctx) {
        const t = ctx.must(DEVICE);
        ctx.timeline.at(ctx.timeline.start, 'crtc: R0-R15, index', () => {
          const io = ctx.io;
          const regs = [...t.arr('timing', [...MODE3_TIMING]), ...t.arr('address')];
          regs.forEach((v, r) => {
            io.out8(INDEX, r);
            io.out8(DATA, v);
          });
          if (t.arr('light_pen').some((v) => v !== 0)) ctx.notes.push('crtc.light_pen: read-only and set only by a light pen; not reconstructible');
          io.out8(INDEX, t.num('index'));
        });
      },
    },
  ],
};
