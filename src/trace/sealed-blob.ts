/**
 * The container the trace's binary blobs share (the machine snapshot, the switch-over capture
 * record): Firecracker's rule — magic, version, state, checksum; a reader refuses a different
 * major or a newer minor, naming both versions.
 *
 *     magic                           16 bytes
 *     le16 major, le16 minor
 *     le32 n, n bytes of JSON
 *     le32 m, m bytes of body         (the format's own binary part, e.g. deflated pages)
 *     sha256 of every byte before it  32 bytes
 */
import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';

export interface SealedFormat {
  /** 16 bytes, latin1. */
  readonly magic: string;
  readonly major: number;
  readonly minor: number;
  /** What a reader calls it in errors: "machine snapshot", "switch-over capture record". */
  readonly noun: string;
  /** What its version is called in errors: "snapshot format", "capture record format". */
  readonly versionNoun: string;
  /** InputError codes: a damaged blob, an unsupported version. */
  readonly badCode: string;
  readonly versionCode: string;
}

const CHECKSUM_BYTES = 32;
const MAGIC_LENGTH = 16;

export function sealBlob(format: SealedFormat, json: unknown, body: Uint8Array): Uint8Array {
  const head = Buffer.from(JSON.stringify(json), 'utf8');
  const fixed = Buffer.alloc(8);
  fixed.writeUInt16LE(format.major, 0);
  fixed.writeUInt16LE(format.minor, 2);
  fixed.writeUInt32LE(head.length, 4);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(body.length, 0);
  const unsigned = Buffer.concat([Buffer.from(format.magic, 'latin1'), fixed, head, len, body]);
  return new Uint8Array(Buffer.concat([unsigned, createHash('sha256').update(unsigned).digest()]));
}

/** An InputError for a damaged blob: "`what` is not a usable `noun`: `why`". */
export function badBlob(format: SealedFormat, what: string, why: string): InputError {
  return new InputError(format.badCode, `${what} is not a usable ${format.noun}: ${why}`);
}

/** Check magic, version, checksum and lengths; the parsed JSON and the body (a view, not a copy). */
export function openSealedBlob(format: SealedFormat, bytes: Uint8Array, what: string, magicName: string): { json: unknown; body: Buffer } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = Buffer.from(format.magic, 'latin1');
  if (buf.length < MAGIC_LENGTH + 12 + CHECKSUM_BYTES || !buf.subarray(0, MAGIC_LENGTH).equals(magic)) {
    throw badBlob(format, what, `no ${magicName} magic`);
  }
  const major = buf.readUInt16LE(16);
  const minor = buf.readUInt16LE(18);
  if (major !== format.major || minor > format.minor) {
    const newer = major > format.major || (major === format.major && minor > format.minor);
    throw new InputError(
      format.versionCode,
      `${what} uses ${format.versionNoun} ${major}.${minor}, ${newer ? 'newer than' : 'incompatible with'} the format this migtrace reads ` +
        `(${format.major}.${format.minor})`,
    );
  }
  const end = buf.length - CHECKSUM_BYTES;
  if (!createHash('sha256').update(buf.subarray(0, end)).digest().equals(buf.subarray(end))) {
    throw badBlob(format, what, 'checksum mismatch (truncated or damaged)');
  }
  const headLen = buf.readUInt32LE(20);
  let p = 24;
  if (p + headLen + 4 > end) throw badBlob(format, what, 'header runs past the end');
  let json: unknown;
  try {
    json = JSON.parse(buf.subarray(p, p + headLen).toString('utf8'));
  } catch {
    throw badBlob(format, what, 'header does not parse');
  }
  p += headLen;
  const bodyLen = buf.readUInt32LE(p);
  p += 4;
  if (p + bodyLen !== end) throw badBlob(format, what, 'body length does not match');
  return { json, body: buf.subarray(p, end) };
}
