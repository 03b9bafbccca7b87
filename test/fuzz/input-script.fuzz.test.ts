/**
 * Fuzz: input scripts (parseInputScript). Mutated text — byte-level mutations of the real
 * scripts, and token-level ones (numbers made huge, negative or odd, quotes and backslashes
 * dropped, lines duplicated out of order) — must parse or be refused in one line, promptly.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseInputScript } from '../../src/devices/input-script.js';
import { expectClean, int, mutate, prng, type Rnd } from './mutate.js';

const CASES = 1500;
const SOURCES = ['guests/inputs/serial-echo.input', 'guests/inputs/net-echo.input'].map((f) => fs.readFileSync(f, 'utf8'));
const EXTRA = [
  '0 serial "hello\\n"\n+100 serial-hex 41 42 43\n1000 frame ff:ff:ff:ff:ff:ff 52:54:00:ab:cd:01 0800 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233\n',
  '10 serial "a" every 5 count 3\n+1e3 serial "\\x41\\t"\n',
];
const TOKENS = ['0', '-1', '1e400', '0x', '+', '9007199254740993', '"', '\\', '#', 'every', 'count', '""', '\\x', '\u0000', 'ffff', ':', '1e6', '+1e15', 'serial-hex', 'frame'];

function mutateTokens(text: string, rnd: Rnd): { text: string; how: string } {
  const lines = text.split('\n');
  const i = int(rnd, lines.length);
  const words = lines[i].split(' ');
  const w = int(rnd, words.length);
  const tok = TOKENS[int(rnd, TOKENS.length)];
  const op = int(rnd, 3);
  if (op === 0) words[w] = tok;
  else if (op === 1) words.splice(w, 0, tok);
  else lines.splice(int(rnd, lines.length), 0, lines[i]);
  if (op !== 2) lines[i] = words.join(' ');
  return { text: lines.join('\n'), how: `line ${i + 1}: op ${op} ${JSON.stringify(tok)} at word ${w}` };
}

describe('fuzz: input scripts', () => {
  it(`${CASES} mutated scripts: each parses or is refused in one line`, () => {
    const rnd = prng(0x1a9);
    const outcomes = new Map<string, number>();
    const started = Date.now();
    const all = [...SOURCES, ...EXTRA];
    for (let n = 0; n < CASES; n++) {
      const src = all[n % all.length];
      // The net-echo script is long: mutate a window of it, so each case stays fast.
      const base = src.length > 4000 ? src.slice(0, 2500 + int(rnd, 1500)) : src;
      const m =
        n % 2 === 0
          ? (() => {
              const r = mutate(new TextEncoder().encode(base), rnd);
              return { text: new TextDecoder().decode(r.bytes), how: r.how };
            })()
          : mutateTokens(base, rnd);
      const t0 = Date.now();
      let outcome = 'parsed';
      try {
        parseInputScript(m.text, 'fuzz.input');
      } catch (err) {
        outcome = expectClean(err, `case ${n} (${m.how})`).code;
      }
      expect(Date.now() - t0, `case ${n} (${m.how}) took too long`).toBeLessThan(2000);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    console.log(`input-script fuzz: ${CASES} cases in ${Date.now() - started} ms:`, Object.fromEntries(outcomes));
    expect(outcomes.get('parsed') ?? 0).toBeGreaterThan(0);
  });
});
