/**
 * SHA-256 (FIPS 180-4) of a short message — at most 55 bytes, one compression block — in
 * plain JS, written straight into a caller's buffer.
 *
 * Why: a DMA record carries sha256(data)[0:16], and most DMA transfers are descriptors of 4 to
 * 16 bytes (net-echo: 50,000 of its 70,000). For those, a call into Node's crypto costs far
 * more than the hash itself (measured ~2.5 µs per call against ~0.3 µs here) and allocates a
 * Buffer per transfer; this allocates nothing. Longer data goes to crypto as before; the
 * result is the same SHA-256 either way (test/trace/sha256-short.test.ts checks it).
 */

/** Longest message that fits one block: 64 bytes minus the 0x80 marker and the 8-byte length. */
export const SHORT_MAX = 55;

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const W = new Int32Array(64);

/**
 * Write the first `outBytes` (≤ 32) bytes of sha256(data) into `out` at `offset`. `data` must
 * be at most SHORT_MAX bytes.
 */
export function sha256Short(data: Uint8Array, out: Uint8Array, offset: number, outBytes: number): void {
  const n = data.length;
  const w = W;
  w.fill(0, 0, 16);
  for (let i = 0; i < n; i++) w[i >> 2] |= data[i] << (24 - 8 * (i & 3));
  w[n >> 2] |= 0x80 << (24 - 8 * (n & 3));
  w[15] = n * 8; // bit length; the high word (w[14]) stays 0
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15];
    const y = w[i - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
  }
  let a = 0x6a09e667 | 0;
  let b = 0xbb67ae85 | 0;
  let c = 0x3c6ef372 | 0;
  let d = 0xa54ff53a | 0;
  let e = 0x510e527f | 0;
  let f = 0x9b05688c | 0;
  let g = 0x1f83d9ab | 0;
  let h = 0x5be0cd19 | 0;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + K[i] + w[i]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  put(out, offset, outBytes, 0, (0x6a09e667 + a) | 0);
  put(out, offset, outBytes, 4, (0xbb67ae85 + b) | 0);
  put(out, offset, outBytes, 8, (0x3c6ef372 + c) | 0);
  put(out, offset, outBytes, 12, (0xa54ff53a + d) | 0);
  put(out, offset, outBytes, 16, (0x510e527f + e) | 0);
  put(out, offset, outBytes, 20, (0x9b05688c + f) | 0);
  put(out, offset, outBytes, 24, (0x1f83d9ab + g) | 0);
  put(out, offset, outBytes, 28, (0x5be0cd19 + h) | 0);
}

/** Big-endian word `v` at byte `at` of the digest, if it falls within the first `outBytes`. */
function put(out: Uint8Array, offset: number, outBytes: number, at: number, v: number): void {
  for (let k = 0; k < 4 && at + k < outBytes; k++) out[offset + at + k] = (v >>> (24 - 8 * k)) & 0xff;
}
