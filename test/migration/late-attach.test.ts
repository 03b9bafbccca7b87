/**
 * A dynamic hypervisor through the whole migrate path (migrate --attach late [--agent]): the
 * guest runs unmonitored until the hypervisor attaches, so write-only state it wrote before is
 * unknown at capture. Without a guest agent the migration says which fields it could not
 * capture and the verifier catches the loss, naming the field and why it was not captured;
 * with an agent (here a test agent: no built-in guest runs one) the migration is exact.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrationOptions } from '../../src/migration/options.js';
import { migrateTraceInProcess, resolveAttachment } from '../../src/migration/trace-migration.js';
import { SWITCH_OVER_CAPTURE_BLOB, decodeSwitchOverCapture } from '../../src/trace/switch-over-capture.js';
import { TraceReader } from '../../src/trace/reader.js';
import { verifyTraces } from '../../verify/verify.js';
import { MiB, guestSetup, recordReference, tempDir } from './helpers.js';
import { runTestAgent } from '../hypervisor/test-agent.js';

const AT = 5_000_000;
const ATTACH_AT = 4_000_000;
let reference = '';

beforeAll(async () => {
  reference = await recordReference(guestSetup('timer', 'hz=1000 every=100 ticks=200 eoi=auto', 16 * MiB));
}, 120_000);

describe('migrate with a late-attached hypervisor', () => {
  it('without an agent: the migration names what it could not capture, the trace keeps it, and the verifier catches the loss and says why', async () => {
    const out = path.join(tempDir('late'), 'dest');
    const r = await migrateTraceInProcess({ trace: reference, at: AT, out, options: migrationOptions({ strategy: 'postcopy' }), attach: { mode: 'late', at: ATTACH_AT } });
    expect(r.attachment).toEqual({ mode: 'late', icount: ATTACH_AT, agent: false });
    const master = r.source.capture.devices.find((d) => d.device === 'pic.master')!;
    expect(master.unknown).toContain('auto_eoi');
    expect(r.source.notes[0]).toMatch(/^not captured \(the hypervisor attached late, at icount 4000000, with no guest agent\): .*pic\.master\.auto_eoi/);

    const reader = await TraceReader.open(out);
    const blob = await reader.blob(SWITCH_OVER_CAPTURE_BLOB);
    await reader.close();
    const record = decodeSwitchOverCapture(blob!);
    expect(record.attach).toEqual({ mode: 'late', icount: ATTACH_AT, agent: false });
    expect(record.devices.find((d) => d.device === 'pic.master')!.unknown).toContain('auto_eoi');

    const v = await verifyTraces(reference, out);
    expect(v.verdict).toBe('divergence');
    expect(v.capture).toMatchObject({ attach: 'late', attachIcount: ATTACH_AT, agent: false });
    expect(v.capture!.uncaptured).toContain('pic.master.auto_eoi');
    const aeoi = v.switchOver!.failures.find((f) => f.path === 'pic.master.auto_eoi')!;
    expect(aeoi.explanation).toMatch(
      /^pic\.master\.auto_eoi: reference 1, destination 0 \(write-only config, set by ICW4 at icount \d+: the guest wrote 0x03 to port 0x21; not captured: the hypervisor attached late, at icount 4000000, without a guest agent\)$/,
    );
    expect(v.firstDivergence!.state!.how).toBe('switch-over');
    expect(v.capture!.uncaptured).toContain(v.firstDivergence!.state!.differences[0].path.replace(/\[\d+\]$/, ''));
  });

  it('with a guest agent the unknown fields are reported, captured with provenance agent, and the migration verifies', async () => {
    const out = path.join(tempDir('late'), 'dest');
    const r = await migrateTraceInProcess({
      trace: reference,
      at: AT,
      out,
      options: migrationOptions({ strategy: 'postcopy' }),
      attach: { mode: 'late', at: ATTACH_AT, agent: true, onAttach: (m) => runTestAgent(m) },
    });
    const master = r.source.capture.devices.find((d) => d.device === 'pic.master')!;
    expect(master.provenance.auto_eoi).toBe('agent');
    expect(r.source.capture.devices.flatMap((d) => d.unknown.map((f) => `${d.device}.${f}`))).toEqual([]);
    const v = await verifyTraces(reference, out);
    expect(v.firstDivergence?.cause ?? '').toBe('');
    expect(v.verdict).toBe('match');
    expect(v.capture).toMatchObject({ attach: 'late', agent: true, uncaptured: [] });
  });

  it('the attachment options are checked against the migration point and the fault catalog', () => {
    expect(resolveAttachment(undefined, [], 100)).toEqual({ mode: 'boot', icount: 0, agent: false });
    expect(resolveAttachment(undefined, ['late-attach-without-agent'], 100)).toEqual({ mode: 'late', icount: 100, agent: false });
    expect(resolveAttachment({ mode: 'late', at: 40 }, ['late-attach-without-agent'], 100)).toEqual({ mode: 'late', icount: 40, agent: false });
    expect(() => resolveAttachment({ agent: true }, ['late-attach-without-agent'], 100)).toThrow(/cannot go with --agent/);
    expect(() => resolveAttachment({ mode: 'late', at: 200 }, [], 100)).toThrow(/--attach-at 200 is after the migration point --at 100/);
    expect(() => resolveAttachment({ mode: 'boot', at: 20 }, [], 100)).toThrow(/--attach-at needs --attach late/);
  });
});
