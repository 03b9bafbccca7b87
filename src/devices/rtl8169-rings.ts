/**
 * RTL8169 descriptor rings in guest memory (datasheet section 7, "Transmit and Receive
 * Descriptors"), the receive address filter and the Ethernet CRCs. All memory traffic goes
 * through bus DMA with the NIC's device id, as a bus master's would.
 *
 * A descriptor is 16 bytes: opts1 (OWN 31, EOR 30, FS 29, LS 28, status, length), opts2
 * (VLAN), buffer address low, buffer address high. The ring is the descriptors from the base
 * address up to the one with EOR; the NIC's position in it is an internal index (rx_head,
 * tx_tail) that software can neither read nor write: BLMVisor (4.4.2) infers it by watching
 * where OWN bits stop, and reconstructs it by pushing dummy frames after ChipCmd RST.
 */
import type { Bus } from '../machine/bus.js';
import {
  DESC_EOR, DESC_FS, DESC_LS, DESC_OWN, DESC_SIZE, RING_MAX, RX_BUFFER_SIZE_MASK, RX_OPTS2_TAVA,
  TX_FRAME_LENGTH_MASK, TX_OPTS2_TAGC,
} from './rtl8169-regs.js';

// ---------------------------------------------------------------- CRCs

const CRC_TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** IEEE 802.3 frame check sequence (CRC-32, reflected), as sent after the frame, little-endian. */
export function ethernetFcs(data: Uint8Array, length = data.length): number {
  let c = 0xffffffff;
  for (let i = 0; i < length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Multicast hash filter bit for a destination address: the top 6 bits of the CRC-32 computed
 * MSB-first without final inversion (Linux ether_crc, QEMU net_crc32). MAR byte = bit >> 3.
 */
export function multicastHashBit(frame: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < 6; i++) {
    let b = frame[i];
    for (let j = 0; j < 8; j++) {
      const carry = (crc >>> 31) ^ (b & 1);
      crc = (crc << 1) >>> 0;
      b >>= 1;
      if (carry) crc = (crc ^ 0x04c11db7) >>> 0;
    }
  }
  return crc >>> 26;
}

// ---------------------------------------------------------------- descriptors

export type Descriptor = { opts1: number; opts2: number; addr: number; addrHigh: number };

function le32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
  b[o + 2] = v >>> 16;
  b[o + 3] = v >>> 24;
}

/** The descriptor after `index`: back to 0 after the one marked EOR, and at RING_MAX. */
export function nextIndex(index: number, opts1: number): number {
  return opts1 & DESC_EOR ? 0 : (index + 1) % RING_MAX;
}

export class DescriptorRing {
  /** Transfer buffers, reused: a descriptor read, a status write-back (opts1+opts2), an OWN release. */
  private readonly descriptor = new Uint8Array(DESC_SIZE);
  private readonly writeBackBytes = new Uint8Array(8);
  private readonly releaseBytes = new Uint8Array(4);

  constructor(
    private readonly bus: Bus,
    private readonly device: () => number,
  ) {}

  address(base: number, index: number): number {
    return (base + index * DESC_SIZE) >>> 0;
  }

  read(base: number, index: number): Descriptor {
    const b = this.bus.dmaReadInto(this.device(), this.address(base, index), this.descriptor);
    return { opts1: le32(b, 0), opts2: le32(b, 4), addr: le32(b, 8), addrHigh: le32(b, 12) };
  }

  /** Write back opts1 and opts2 (one 8-byte DMA, so OWN clears together with the status). */
  writeBack(base: number, index: number, opts1: number, opts2: number): void {
    const b = this.writeBackBytes;
    put32(b, 0, opts1);
    put32(b, 4, opts2);
    this.bus.dmaWrite(this.device(), this.address(base, index), b);
  }

  /** Clear OWN only (a transmitted descriptor keeps its other bits). */
  release(base: number, index: number, opts1: number): void {
    const b = this.releaseBytes;
    put32(b, 0, (opts1 & ~DESC_OWN) >>> 0);
    this.bus.dmaWrite(this.device(), this.address(base, index), b);
  }

  readBuffer(addr: number, length: number): Uint8Array {
    return this.bus.dmaRead(this.device(), addr, length);
  }

  writeBuffer(addr: number, data: Uint8Array): void {
    this.bus.dmaWrite(this.device(), addr, data);
  }
}

// ---------------------------------------------------------------- receive

export type RxPlacement = { ok: true; head: number } | { ok: false };

/**
 * Store a received frame (FCS included) into the ring from `head`: as many descriptors as the
 * frame needs (FS on the first, LS on the last), all of which must be owned by the NIC; if
 * they are not, nothing is written (the frame is dropped: RDU). The last descriptor carries
 * the status bits and the whole frame length; the others the length of their part.
 */
export function placeRxFrame(ring: DescriptorRing, base: number, head: number, payload: Uint8Array, status: number, opts2: number): RxPlacement {
  const chain: number[] = [];
  const descs: Descriptor[] = [];
  let capacity = 0;
  let index = head;
  while (capacity < payload.length) {
    if (chain.length >= RING_MAX) return { ok: false };
    const d = ring.read(base, index);
    if (!(d.opts1 & DESC_OWN)) return { ok: false };
    chain.push(index);
    descs.push(d);
    capacity += d.opts1 & RX_BUFFER_SIZE_MASK;
    index = nextIndex(index, d.opts1);
  }
  let offset = 0;
  for (let k = 0; k < chain.length; k++) {
    const d = descs[k];
    const size = Math.min(d.opts1 & RX_BUFFER_SIZE_MASK, payload.length - offset);
    if (size > 0) ring.writeBuffer(d.addr, payload.subarray(offset, offset + size));
    offset += size;
    const last = k === chain.length - 1;
    const opts1 =
      (d.opts1 & DESC_EOR) | (k === 0 ? DESC_FS : 0) | (last ? DESC_LS | status | payload.length : size);
    ring.writeBack(base, chain[k], opts1 >>> 0, last ? opts2 : 0);
  }
  return { ok: true, head: index };
}

/** Strip an 802.1Q tag (CPlusCmd RxVlan): the frame without it and opts2 (TAVA | tag byte-swapped), or null. */
export function stripVlanTag(frame: Uint8Array): { frame: Uint8Array; opts2: number } | null {
  if (frame.length < 18 || frame[12] !== 0x81 || frame[13] !== 0x00) return null;
  const out = new Uint8Array(frame.length - 4);
  out.set(frame.subarray(0, 12), 0);
  out.set(frame.subarray(16), 12);
  return { frame: out, opts2: (RX_OPTS2_TAVA | frame[14] | (frame[15] << 8)) >>> 0 };
}

// ---------------------------------------------------------------- transmit

export type TxWalk = {
  /** Index the walk stopped at. */
  tail: number;
  /** Frames sent. */
  sent: number;
  /** Descriptor chains that did not start with FS (released, not sent). */
  errors: number;
  /** The walk stopped at a descriptor the NIC does not own (TDU). */
  unavailable: boolean;
};

/**
 * Walk a TX ring from `tail` while OWN is set: gather each FS..LS chain into a frame (inserting
 * the VLAN tag from the first descriptor's opts2 when TAGC is set), clear OWN on its
 * descriptors and move past it. A chain whose LS descriptor is not yet owned by the NIC stops
 * the walk where it started, untouched. `send` is called once per frame, in ring order.
 */
export function walkTxRing(ring: DescriptorRing, base: number, tail: number, send: (frame: Uint8Array) => void): TxWalk {
  const result: TxWalk = { tail, sent: 0, errors: 0, unavailable: false };
  let index = tail;
  for (let guard = 0; guard < RING_MAX; guard++) {
    const first = ring.read(base, index);
    if (!(first.opts1 & DESC_OWN)) {
      result.unavailable = true;
      break;
    }
    if (!(first.opts1 & DESC_FS)) {
      ring.release(base, index, first.opts1);
      result.errors++;
      index = nextIndex(index, first.opts1);
      continue;
    }
    const chain: number[] = [index];
    const descs: Descriptor[] = [first];
    let d = first;
    let j = index;
    let complete = true;
    while (!(d.opts1 & DESC_LS)) {
      j = nextIndex(j, d.opts1);
      if (chain.length >= RING_MAX || j === index) {
        complete = false;
        break;
      }
      d = ring.read(base, j);
      if (!(d.opts1 & DESC_OWN)) {
        complete = false;
        break;
      }
      chain.push(j);
      descs.push(d);
    }
    if (!complete) {
      result.unavailable = true;
      break;
    }
    let length = 0;
    for (const x of descs) length += x.opts1 & TX_FRAME_LENGTH_MASK;
    const tagged = (first.opts2 & TX_OPTS2_TAGC) !== 0;
    let frame: Uint8Array;
    if (descs.length === 1) {
      // One descriptor (the usual case): the DMA read is already a fresh copy of the frame.
      frame = length > 0 ? ring.readBuffer(first.addr, length) : new Uint8Array(0);
    } else {
      frame = new Uint8Array(length);
      let offset = 0;
      for (const x of descs) {
        const n = x.opts1 & TX_FRAME_LENGTH_MASK;
        if (n > 0) frame.set(ring.readBuffer(x.addr, n), offset);
        offset += n;
      }
    }
    if (tagged && length >= 12) {
      const withTag = new Uint8Array(length + 4);
      withTag.set(frame.subarray(0, 12), 0);
      withTag[12] = 0x81;
      withTag[13] = 0x00;
      withTag[14] = first.opts2 & 0xff;
      withTag[15] = (first.opts2 >>> 8) & 0xff;
      withTag.set(frame.subarray(12), 16);
      frame = withTag;
    }
    for (let k = 0; k < chain.length; k++) ring.release(base, chain[k], descs[k].opts1);
    index = nextIndex(j, d.opts1);
    result.sent++;
    send(frame);
  }
  result.tail = index;
  return result;
}
