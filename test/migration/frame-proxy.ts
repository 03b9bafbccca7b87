/**
 * A TCP proxy that understands the migration stream's framing (stream.ts) in both directions
 * and does one thing to one chosen section: passes it, damages it (flips its CRC), cuts both
 * connections in its place, or stalls the link from it on (nothing more crosses either way,
 * the sockets stay open until an end closes its own). HEARTBEATs pass unless stalled.
 */
import net from 'node:net';
import { HEADER_BYTES, SECTION, SECTION_OVERHEAD } from '../../src/migration/stream.js';

export type Direction = 'forward' | 'backward';
export type Fault = 'corrupt' | 'cut' | 'stall';

/** Which section: a kind in a direction; `afterEnd` counts only those after END went forward (the last ACK). */
export interface Target {
  readonly direction: Direction;
  readonly kind: number;
  readonly afterEnd?: boolean;
}

export const TARGETS: Record<'END' | 'ACK' | 'COMMIT' | 'COMMIT_ACK', Target> = {
  END: { direction: 'forward', kind: SECTION.END },
  ACK: { direction: 'backward', kind: SECTION.ACK, afterEnd: true },
  COMMIT: { direction: 'forward', kind: SECTION.COMMIT },
  COMMIT_ACK: { direction: 'backward', kind: SECTION.COMMIT_ACK },
};

export interface FrameProxy {
  readonly port: number;
  /** Has the fault been applied? */
  readonly applied: () => boolean;
  close(): void;
}

export async function frameProxy(targetPort: number, target: Target, fault: Fault): Promise<FrameProxy> {
  let applied = false;
  let stalled = false;
  let endSeen = false;
  const sockets: net.Socket[] = [];
  const server = net.createServer((from) => {
    const to = net.connect(targetPort, '127.0.0.1');
    sockets.push(from, to);
    const cut = () => {
      from.destroy();
      to.destroy();
    };
    const pipe = (direction: Direction, src: net.Socket, dst: net.Socket) => {
      let buf = Buffer.alloc(0);
      let headerLeft = HEADER_BYTES;
      src.on('data', (chunk: Buffer) => {
        if (stalled) return;
        buf = Buffer.concat([buf, chunk]);
        if (headerLeft > 0) {
          const n = Math.min(headerLeft, buf.length);
          dst.write(buf.subarray(0, n));
          buf = buf.subarray(n);
          headerLeft -= n;
        }
        while (headerLeft === 0 && buf.length >= 5) {
          const length = buf.readUInt32LE(1);
          const size = SECTION_OVERHEAD + length;
          if (buf.length < size) break;
          const frame = Buffer.from(buf.subarray(0, size));
          buf = buf.subarray(size);
          const kind = frame[0];
          const hit =
            !applied && direction === target.direction && kind === target.kind && (target.afterEnd !== true || endSeen);
          if (direction === 'forward' && kind === SECTION.END) endSeen = true;
          if (!hit) {
            dst.write(frame);
            continue;
          }
          applied = true;
          if (fault === 'corrupt') {
            frame[frame.length - 1] ^= 0xff;
            dst.write(frame);
          } else if (fault === 'cut') {
            cut();
            return;
          } else {
            stalled = true;
            return;
          }
        }
      });
      src.on('end', () => dst.end());
      src.on('error', () => dst.destroy());
      src.on('close', () => dst.destroy());
    };
    pipe('forward', from, to);
    pipe('backward', to, from);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    applied: () => applied,
    close: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}
