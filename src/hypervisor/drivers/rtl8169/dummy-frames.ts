/**
 * Hypervisor-made Ethernet frames: what the dummy-frame technique sends (BLMVisor 4.4.2).
 * They carry the IEEE 802 local experimental EtherType 0x88B5 and a signature, so the
 * hypervisor's tap on the machine's output (Machine.taps; installed first, so nothing else
 * sees them) recognises and swallows them: they never reach the outside world, and received
 * ones land only in the hypervisor's own scratch buffers, never in the guest's.
 */
import type { MachineTap } from '../../../board/machine.js';

export const DUMMY_ETHERTYPE = 0x88b5;
export const DUMMY_SIGNATURE = 'MIGTRACE-HV-DUMMY';
export const DUMMY_FRAME_LENGTH = 60;
/** Locally administered source address of the hypervisor (never a real NIC's). */
export const HYPERVISOR_MAC = [0x02, 0x00, 0x5e, 0x00, 0x00, 0x01];

export function dummyFrame(destination: readonly number[], sequence: number): Uint8Array {
  const f = new Uint8Array(DUMMY_FRAME_LENGTH);
  f.set(destination.slice(0, 6), 0);
  f.set(HYPERVISOR_MAC, 6);
  f[12] = DUMMY_ETHERTYPE >> 8;
  f[13] = DUMMY_ETHERTYPE & 0xff;
  for (let i = 0; i < DUMMY_SIGNATURE.length; i++) f[14 + i] = DUMMY_SIGNATURE.charCodeAt(i);
  f[14 + DUMMY_SIGNATURE.length] = sequence & 0xff;
  f[15 + DUMMY_SIGNATURE.length] = (sequence >> 8) & 0xff;
  return f;
}

export function isDummyFrame(data: Uint8Array): boolean {
  if (data.length < 14 + DUMMY_SIGNATURE.length) return false;
  if (data[12] !== DUMMY_ETHERTYPE >> 8 || data[13] !== (DUMMY_ETHERTYPE & 0xff)) return false;
  for (let i = 0; i < DUMMY_SIGNATURE.length; i++) if (data[14 + i] !== DUMMY_SIGNATURE.charCodeAt(i)) return false;
  return true;
}

/** The output tap: counts and swallows hypervisor-made frames. */
export class DummyFrameFilter implements MachineTap {
  swallowed = 0;
  output(channel: 'serial' | 'frame', data: Uint8Array): boolean | void {
    if (channel === 'frame' && isDummyFrame(data)) {
      this.swallowed++;
      return false;
    }
    return undefined;
  }
}
