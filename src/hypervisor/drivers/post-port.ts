/**
 * The POST code port (device `post`): write-only, so trapped for writes and shadowed — the
 * last code is a statistic, but a cheap one. Reconstruction writes it back when known.
 */
import type { DeviceDriver } from './driver.js';
import { DeviceCaptureBuilder } from '../captured.js';
import { DIR_WRITE, type Intercepts } from '../intercepts.js';
import { BOARD } from '../../board/layout.js';
import { RANK } from './ranks.js';

const PORT = BOARD.post.port;

export class PostShadow {
  code = 0;
  known: boolean;

  constructor(intercepts: Intercepts, bootAttach: boolean) {
    this.known = bootAttach;
    intercepts.onPort(PORT, (a) => {
      if (a.dir !== DIR_WRITE) return;
      this.code = a.value & 0xff;
      this.known = true;
    });
    intercepts.trapPort(PORT, DIR_WRITE);
  }
}

export const postPortDriver: DeviceDriver<PostShadow> = {
  devices: ['post'],
  ports: [{ base: PORT, count: 1 }],
  mmio: [],
  irqs: [],
  faults: [],
  captureStage: 'instant',

  attach({ intercepts, options }) {
    return new PostShadow(intercepts, options.attach === 'boot');
  },

  unknownFields(shadow) {
    return shadow.known ? [] : ['post.code'];
  },

  agentReport(shadow, device, field, _channel, value) {
    shadow.code = value & 0xff;
    shadow.known = true;
    return `${device}.${field}`;
  },

  capture(ctx, shadow) {
    const b = new DeviceCaptureBuilder(ctx.schema('post'));
    if (shadow.known) b.set('code', shadow.code, 'shadow');
    else b.markUnknown('code');
    return { builders: [b] };
  },

  reconstruct: [
    {
      rank: RANK.post,
      plan(ctx) {
        const t = ctx.must('post');
        ctx.timeline.at(ctx.timeline.start, 'post: code', () => {
          if (t.known('code')) ctx.io.out8(PORT, t.num('code'));
        });
      },
    },
  ],
};
