/**
 * `migtrace demo`: the whole story in one command. Record a built-in guest, live-migrate it
 * mid-run and verify the destination (it must match); migrate it again with one injected
 * migration bug and verify that (it must not match), then show the verifier's post-mortem.
 *
 * The default guest is the timer in auto-EOI mode: the 8259A's AEOI bit is write-only, set
 * once by ICW4 at boot, so a hypervisor knows it only if it watched that write — exactly what
 * the default fault, icw4-shadow-skipped, forgets. `--guest linux` tells the same story on
 * Linux 6.1 booting with its own drivers (demo-guests.ts): Linux sets auto-EOI itself when it
 * moves to the IOAPIC, and the migration point is mid-boot, while it probes its drivers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../errors.js';
import { recordingSetup, resolveGuestRequest } from '../cli/guest-options.js';
import { checkDemoGuestBuilt, demoStory, faultEffect } from './demo-guests.js';
import { checkFaultNames, checkFaultsForStrategy } from '../migration/faults.js';
import { formatMetrics, type MigrationMetrics } from '../migration/metrics.js';
import { migrationOptions } from '../migration/options.js';
import { migrateTraceInProcess } from '../migration/trace-migration.js';
import { recordBoot } from '../trace/session.js';
import { postMortem, type PostMortem } from '../../verify/post-mortem.js';
import { verifyTraces, type VerifyReport } from '../../verify/verify.js';

export interface DemoOptions {
  readonly guest: string;
  /** Default: the guest's story's (demo-guests.ts). */
  readonly args?: string;
  readonly at?: number;
  readonly fault?: string;
  readonly strategy: 'precopy' | 'postcopy';
  /** Keep the traces here (a new directory); default: a temporary one, removed afterwards. */
  readonly dir?: string;
  /** Called with each line of progress as it happens. */
  readonly say?: (line: string) => void;
}

export interface DemoResult {
  readonly dir: string | null;
  readonly reference: { readonly trace: string; readonly instructions: number; readonly records: number; readonly status: string };
  readonly clean: { readonly trace: string; readonly metrics: MigrationMetrics; readonly report: VerifyReport };
  readonly faulty: { readonly trace: string; readonly fault: string; readonly metrics: MigrationMetrics; readonly report: VerifyReport; readonly postMortem: PostMortem };
  /** True when the clean migration verified and the faulty one was caught. */
  readonly asExpected: boolean;
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const say = o.say ?? (() => {});
  const keep = o.dir !== undefined;
  const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'migtrace-demo-'));
  if (keep) fs.mkdirSync(dir, { recursive: true });
  try {
    // Everything that can be refused is refused before the first instruction runs.
    checkDemoGuestBuilt(o.guest);
    const story = demoStory(o.guest);
    const at = o.at ?? story.at;
    const fault = o.fault ?? story.fault;
    checkFaultNames([fault]);
    checkFaultsForStrategy([fault], o.strategy);
    const request = resolveGuestRequest(o.guest, { args: o.args ?? story.args });
    const args = request.args;
    const ref = path.join(dir, 'reference');
    for (const line of story.intro) say(line);
    say(`1. record ${o.guest}${args ? ` (${args})` : ''} from power-on`);
    const { setup, close } = recordingSetup(request);
    let rec;
    try {
      rec = await recordBoot(ref, { ...setup, label: o.guest });
    } finally {
      close();
    }
    say(`   ${rec.icount} instructions, ${rec.records} records, ${rec.status}`);
    if (at > rec.icount) {
      throw new InputError('MIGRATION_AT_BEYOND_END', `--at ${at} is past the end of the ${o.guest} run (it ends at icount ${rec.icount}): pick a point inside it`);
    }

    const migrate = async (out: string, faults: string[]) => {
      const r = await migrateTraceInProcess({ trace: ref, at, out, options: migrationOptions({ strategy: o.strategy, faults }) });
      for (const line of formatMetrics(r.destination.metrics)) say(`   ${line}`);
      const end = r.destination.outcome;
      say(`   destination: icount ${end.firstIcount} → ${end.icount}, ${end.status} (${end.message})`);
      return { metrics: r.destination.metrics, end };
    };

    const cleanTrace = path.join(dir, 'destination');
    say(`2. migrate it live at icount ${at} (${o.strategy}) and record the destination`);
    const { metrics: cleanMetrics } = await migrate(cleanTrace, []);
    say('3. verify the destination against the reference');
    const clean = await verifyTraces(ref, cleanTrace);
    say(`   ${clean.verdict === 'match' ? 'MATCH' : 'DIVERGENCE'}: ${clean.stream.matched} records and ${clean.checkpoints.compared} checkpoints agree with the reference`);

    const faultyTrace = path.join(dir, `destination-${fault}`);
    say(`4. migrate it again with an injected migration bug: ${fault}`);
    const effect = faultEffect(fault);
    if (effect !== undefined) say(`   (${effect})`);
    const { metrics: faultyMetrics, end: faultyEnd } = await migrate(faultyTrace, [fault]);
    say('5. verify that destination');
    const faulty = await verifyTraces(ref, faultyTrace);
    say(`   ${faulty.verdict === 'match' ? 'MATCH (the fault went unnoticed)' : 'DIVERGENCE'}`);
    if (faulty.verdict !== 'match' && faultyEnd.status === rec.status && faultyEnd.icount === rec.icount) {
      say(`   (the destination still ended as the reference did, ${rec.status} at icount ${rec.icount}: from the guest's output the bug does not show; the state does)`);
    }
    say('6. post-mortem where the two runs part');
    const pm = await postMortem(ref, faultyTrace);

    return {
      dir: keep ? dir : null,
      reference: { trace: ref, instructions: rec.icount, records: rec.records, status: rec.status },
      clean: { trace: cleanTrace, metrics: cleanMetrics, report: clean },
      faulty: { trace: faultyTrace, fault, metrics: faultyMetrics, report: faulty, postMortem: pm },
      asExpected: clean.verdict === 'match' && faulty.verdict === 'divergence',
    };
  } finally {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}
