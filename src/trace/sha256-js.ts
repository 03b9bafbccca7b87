/**
 * SHA-256 (FIPS 180-4) in plain JS, written straight into a caller's buffer.
 *
 * Why: a DMA record carries sha256(data)[0:16], and most DMA transfers are short: descriptors
 * of 4 to 16 bytes (net-echo: 50,000 of its 70,000 transfers) and small frames. For those, a
 * call into Node's crypto costs far more than the hash itself (~1.6 µs fixed per call on our machines, see
 * `node dist/bench/index.js trace`) and allocates a Buffer per transfer; this allocates
 * nothing. Long data goes to crypto (JS_MAX); the result is the same SHA-256 either way
 * (test/trace/sha256-js.test.ts checks it).
 */

/**
 * Longest message hashed here rather than by crypto (two blocks with the padding): measured
 * (`DMA content hash ... JS ÷ crypto` in the trace bench: 0.22 at 16 B, 0.42 at 55 B, 0.92
 * at 150 B, 1.5 at 300 B) JS wins up to about two blocks, beyond which its per-block cost
 * (~0.3–0.6 µs) overtakes crypto's fixed cost.
 */
export const JS_MAX = 119;

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

const INITIAL = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** The running hash (8 words) and the message schedule, reused by every call. */
const H = new Int32Array(8);
const W = new Int32Array(64);

/**
 * Write the first `outBytes` (≤ 32) bytes of sha256(data) into `out` at `offset`. Any length
 * works; callers keep it to JS_MAX, beyond which crypto is faster.
 */
export function sha256Into(data: Uint8Array, out: Uint8Array, offset: number, outBytes: number): void {
  const n = data.length;
  H.set(INITIAL);
  const w = W;
  // Whole blocks straight from the data; then the tail, the 0x80 marker and the bit length
  // (one block, or two when the tail leaves fewer than 9 bytes free).
  let i = 0;
  for (; i + 64 <= n; i += 64) {
    for (let k = 0; k < 16; k++) {
      const p = i + 4 * k;
      w[k] = (data[p] << 24) | (data[p + 1] << 16) | (data[p + 2] << 8) | data[p + 3];
    }
    compress(w);
  }
  w.fill(0, 0, 16);
  const tail = n - i;
  for (let k = 0; k < tail; k++) w[k >> 2] |= data[i + k] << (24 - 8 * (k & 3));
  w[tail >> 2] |= 0x80 << (24 - 8 * (tail & 3));
  if (tail > 55) {
    compress(w);
    w.fill(0, 0, 16);
  }
  // Bit length, big-endian over w[14..15]: exact below 2^53 bits.
  w[14] = Math.floor(n / 0x2000_0000);
  w[15] = (n * 8) | 0;
  compress(w);
  for (let k = 0; k < 8; k++) put(out, offset, outBytes, 4 * k, H[k]);
}

/** One 64-byte block (its 16 words in w[0..15]) into H. */
function compress(w: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15];
    const y = w[i - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
  }
  let a = H[0];
  let b = H[1];
  let c = H[2];
  let d = H[3];
  let e = H[4];
  let f = H[5];
  let g = H[6];
  let h = H[7];
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
  H[0] = (H[0] + a) | 0;
  H[1] = (H[1] + b) | 0;
  H[2] = (H[2] + c) | 0;
  H[3] = (H[3] + d) | 0;
  H[4] = (H[4] + e) | 0;
  H[5] = (H[5] + f) | 0;
  H[6] = (H[6] + g) | 0;
  H[7] = (H[7] + h) | 0;
}

/** Big-endian word `v` at byte `at` of the digest, if it falls within the first `outBytes`. */
function put(out: Uint8Array, offset: number, outBytes: number, at: number, v: number): void {
  for (let k = 0; k < 4 && at + k < outBytes; k++) out[offset + at + k] = (v >>> (24 - 8 * k)) & 0xff;
}
