/**
 * The switch-over handshake over TCP (docs/tcp-migration.md): END → ACK → COMMIT → COMMIT_ACK,
 * each damaged, cut or stalled by a proxy that understands the framing. Whatever happens, the
 * guest never runs on both machines; before COMMIT the source takes it back, after COMMIT it
 * never does, and each side says what became of it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrationOptions } from '../../src/migration/options.js';
import { migrateTraceOverTcp } from '../../src/net/tcp-migration.js';
import { COMMIT_REFUSED, OUTCOME_UNKNOWN } from '../../src/migration/source.js';
import { guestSetup, recordReference, tempDir, MiB } from '../migration/helpers.js';
import { incoming } from '../migration/cli.js';
import { TARGETS, frameProxy, type Fault } from '../migration/frame-proxy.js';

const AT = 2_000_000;
const TIMEOUT_MS = 2000;
let reference = '';

beforeAll(async () => {
  reference = await recordReference(guestSetup('memtouch', 'mb=2 passes=3 spin=2000', 16 * MiB));
}, 120_000);

interface Outcome {
  /** The source's error (null: it reported success). */
  source: { code: string; message: string } | null;
  /** The source took its guest back and ran it on. */
  sourceRuns: boolean;
  destStatus: number;
  destStderr: string;
  /** The destination ran the guest and kept its trace. */
  destRuns: boolean;
}

async function switchOver(message: keyof typeof TARGETS, fault: Fault, strategy: 'precopy' | 'postcopy' = 'precopy'): Promise<Outcome> {
  const dir = tempDir('switch-over');
  const out = path.join(dir, 'dest');
  const dest = await incoming(out, ['--timeout', `${TIMEOUT_MS / 1000}s`]);
  const proxy = await frameProxy(dest.port, TARGETS[message], fault);
  try {
    let source: Outcome['source'] = null;
    try {
      await migrateTraceOverTcp({
        trace: reference,
        at: AT,
        to: { host: '127.0.0.1', port: proxy.port },
        options: migrationOptions({ strategy, thresholdBytes: 64 * 1024 }),
        tcp: { timeoutMs: TIMEOUT_MS },
      });
    } catch (err) {
      source = { code: (err as { code: string }).code, message: (err as Error).message };
    }
    const d = await dest.run.done;
    expect(proxy.applied()).toBe(true);
    const destRuns = d.status === 0 && fs.existsSync(out);
    if (!destRuns) expect(fs.readdirSync(dir)).toEqual([]);
    const sourceRuns = source === null ? false : /the source kept running unharmed/.test(source.message);
    // The whole point: never both.
    expect(sourceRuns && destRuns).toBe(false);
    if (d.status !== 0) expect(d.stderr).toMatch(/^migtrace: [^\n]*\n$/);
    return { source, sourceRuns, destStatus: d.status, destStderr: d.stderr, destRuns };
  } finally {
    proxy.close();
  }
}

describe('the switch-over handshake over TCP: whatever is lost or damaged, the guest runs on one machine at most', () => {
  describe.each(['corrupt', 'cut', 'stall'] as const)('a %s', (fault) => {
    it.each(['END', 'ACK'] as const)('%s (before COMMIT): the source takes its guest back; the destination never ran it and keeps nothing', async (message) => {
      const o = await switchOver(message, fault);
      expect(o.sourceRuns).toBe(true);
      expect(o.source!.message).toMatch(/the source's hypervisor put its devices back and the guest resumed at icount \d+/);
      expect(o.destRuns).toBe(false);
      expect(o.destStatus).not.toBe(0);
      expect(o.destStderr).toMatch(/discarded its partial state/);
      if (message === 'ACK') expect(o.destStderr).toMatch(/before the source's COMMIT, so the destination never ran the guest/);
      if (fault === 'stall') expect(`${o.source!.message}\n${o.destStderr}`).toMatch(/timed out after 2s waiting for /);
    }, 60_000);

    it('COMMIT: the source has given its guest up and keeps it stopped; the destination never got it and keeps nothing', async () => {
      const o = await switchOver('COMMIT', fault);
      expect(o.sourceRuns).toBe(false);
      expect(o.destRuns).toBe(false);
      expect(o.destStatus).not.toBe(0);
      expect(o.destStderr).toMatch(/before the source's COMMIT, so the destination never ran the guest.*discarded its partial state/);
      if (fault === 'corrupt') {
        // The destination said why, over a link that still worked: the guest is on neither machine.
        expect(o.source).toMatchObject({ code: COMMIT_REFUSED, message: expect.stringMatching(/did not take the guest after the source's COMMIT: .*checksum mismatch.*runs on neither machine/) });
      } else {
        expect(o.source).toMatchObject({ code: OUTCOME_UNKNOWN, message: expect.stringMatching(/got no COMMIT_ACK, so the outcome is unknown.*keeps its guest stopped/) });
      }
    }, 60_000);

    it('COMMIT_ACK: the destination owns the guest and records it; the source keeps its own stopped and says the outcome is unknown', async () => {
      const o = await switchOver('COMMIT_ACK', fault);
      expect(o.destRuns).toBe(true);
      expect(o.destStderr).toBe('');
      expect(o.sourceRuns).toBe(false);
      expect(o.source).toMatchObject({ code: OUTCOME_UNKNOWN, message: expect.stringMatching(/the destination runs the guest if COMMIT reached it/) });
      // (A stalled COMMIT_ACK: the source times out, unless the destination, done, closes first.)
      if (fault === 'stall') expect(o.source!.message).toMatch(/timed out after 2s waiting for the destination's COMMIT_ACK|closed mid-stream/);
    }, 60_000);
  });

  it('post-copy: a damaged ACK of the state leaves the guest with the source, not on both', async () => {
    const o = await switchOver('ACK', 'corrupt', 'postcopy');
    expect(o.sourceRuns).toBe(true);
    expect(o.destRuns).toBe(false);
    expect(o.source!.message).toMatch(/checksum mismatch.*the guest resumed at icount/);
  }, 60_000);
});
