import { Args, Flags } from '@oclif/core';
import { MigtraceCommand } from '../cli/base-command.js';
import { parseCount, parseSize } from '../units.js';
import { InputError } from '../errors.js';
import type { CaptureResult } from '../hypervisor/api.js';
import { ALL_FAULT_NAMES, checkFaultNames } from '../migration/faults.js';
import type { DestinationRecording } from '../migration/destination-trace.js';
import { parseBandwidth, parseLatency } from '../migration/link.js';
import { formatMetrics, formatRound, type MigrationMetrics, type RoundReport } from '../migration/metrics.js';
import {
  DEFAULT_MAX_ROUNDS, DEFAULT_ON_NO_CONVERGENCE, DEFAULT_PREPAGE_PAGES, NO_CONVERGENCE_ACTIONS, migrationOptions, type MigrationOptions, type NoConvergenceAction,
} from '../migration/options.js';
import { migrateTraceOverTcp, receiveMigration } from '../net/tcp-migration.js';
import { migrateTraceInProcess, type SourceAttachRequest } from '../migration/trace-migration.js';
import { DEFAULT_TIMEOUT_MS, formatAddress, formatDuration, parseTcpAddress, parseTimeout } from '../net/tcp-transport.js';

export interface MigrateOutput {
  mode: 'in-process' | 'source' | 'destination';
  trace?: string;
  at?: number;
  out?: string;
  to?: string;
  listen?: string;
  metrics: MigrationMetrics;
  stream?: { bytes: number; sha256: string };
  /** The source hypervisor's VM exits (monitored accesses that trapped), by device, boot to switch-over. */
  vmExits?: Record<string, number>;
  destination?: { status: string; message: string; firstIcount: number; icount: number; records: number };
  /** Source side: how its hypervisor attached, the write-only fields it could not capture, and what it said about the state it sent. */
  hypervisor?: { attach: 'boot' | 'late'; attachAt: number; agent: boolean; uncaptured: string[]; notes: string[] };
}

export default class Migrate extends MigtraceCommand {
  static override description =
    'Live-migrate a recorded guest: re-run the source from the trace to --at, migrate it (pre-copy or post-copy, ' +
    'over a modeled link, in-process or over TCP), and record the destination to the end of the recording';

  static override examples = [
    '<%= config.bin %> migrate ref.trace --at 5000000 --out dest.trace',
    '<%= config.bin %> migrate ref.trace --at 5e6 --strategy postcopy --bandwidth 10Gbps --out dest.trace --json',
    '<%= config.bin %> migrate --incoming tcp:127.0.0.1:7000 --out dest.trace      # destination',
    '<%= config.bin %> migrate --incoming tcp:7000 --kernel bzImage --initrd initrd.cpio --disk /mnt/shared.img --out dest.trace',
    '<%= config.bin %> migrate ref.trace --at 5e6 --to tcp:127.0.0.1:7000          # source',
  ];

  static override args = {
    trace: Args.string({ description: 'the reference trace to migrate (not with --incoming)' }),
  };

  static override flags = {
    at: Flags.string({ description: 'icount at which the migration begins' }),
    strategy: Flags.string({ description: 'precopy or postcopy', options: ['precopy', 'postcopy'], default: 'precopy' }),
    bandwidth: Flags.string({ description: 'link bandwidth (virtual time)', default: '1Gbps' }),
    latency: Flags.string({ description: 'link latency, one way', default: '100us' }),
    threshold: Flags.string({ description: 'pre-copy: stop-and-copy once the dirty set is this small', default: '64MiB' }),
    'switch-at': Flags.string({ description: 'pre-copy: stop and copy exactly at this icount (rounds run from --at until then, converged or not)' }),
    'max-rounds': Flags.string({ description: 'pre-copy: stop-and-copy after this many rounds at most', default: String(DEFAULT_MAX_ROUNDS) }),
    'on-no-convergence': Flags.string({
      description: 'pre-copy that does not converge (the guest dirties memory at over half the link rate, two rounds in a row): throttle = auto-converge, hold the source machine for a growing share of each round (20%, +10 per such round, up to 99%); fail = stop migrating, the guest runs on on the source',
      options: [...NO_CONVERGENCE_ACTIONS],
      default: DEFAULT_ON_NO_CONVERGENCE,
    }),
    prepage: Flags.string({ description: 'post-copy: absent neighbours fetched with a faulting page, each side', default: String(DEFAULT_PREPAGE_PAGES) }),
    fault: Flags.string({ description: `inject a migration bug by name; repeatable (${ALL_FAULT_NAMES.join(', ')})`, multiple: true }),
    attach: Flags.string({ description: 'when the source\'s hypervisor attaches: at boot, or late (a dynamic hypervisor: at --attach-at, default the migration point)', options: ['boot', 'late'] }),
    'attach-at': Flags.string({ description: 'with --attach late: the icount at which the hypervisor attaches (write-only state written before is unknown)' }),
    agent: Flags.boolean({ description: 'accept guest agent reports of write-only state (docs/guest-agent.md); meaningful with --attach late', default: false }),
    out: Flags.string({ description: 'directory for the destination trace (must not exist)' }),
    to: Flags.string({ description: 'source over TCP: the destination, tcp:HOST:PORT' }),
    incoming: Flags.string({ description: 'destination over TCP: listen here, tcp:HOST:PORT (tcp:PORT = loopback)' }),
    timeout: Flags.string({
      description: `over TCP: give up when nothing, not even a heartbeat, has come from the peer for this long (or connecting takes it); the destination waits for a connection without limit`,
      default: formatDuration(DEFAULT_TIMEOUT_MS),
    }),
    'destination-memory': Flags.string({ description: 'RAM of the destination machine (default: the source\'s)' }),
    kernel: Flags.string({ description: 'with --incoming: this host\'s copy of the kernel; refused unless it is the source\'s (sha256)' }),
    initrd: Flags.string({ description: 'with --incoming: this host\'s copy of the initrd; refused unless it is the source\'s (sha256)' }),
    disk: Flags.string({ description: 'with --incoming: this host\'s copy of the shared disk, used instead of the source\'s path; refused unless it hashes as the source\'s' }),
    'slave-disk': Flags.string({ description: 'with --incoming: this host\'s copy of the shared slave disk, likewise' }),
  };

  async run(): Promise<MigrateOutput> {
    const { args, flags } = await this.parse(Migrate);
    const json = this.jsonEnabled();
    const say = (line: string) => {
      if (!json) this.log(line);
    };
    const memory = flags['destination-memory'] === undefined ? undefined : parseSize(flags['destination-memory'], '--destination-memory');

    if (flags.incoming !== undefined) {
      if (args.trace !== undefined || flags.to !== undefined || flags.at !== undefined || flags['switch-at'] !== undefined) {
        throw new InputError('BAD_USAGE', '--incoming takes no TRACE, --at, --switch-at or --to: the source sends everything');
      }
      if (flags.attach !== undefined || flags['attach-at'] !== undefined || flags.agent || (flags.fault ?? []).length > 0) {
        throw new InputError('BAD_USAGE', '--attach, --attach-at, --agent and --fault belong to the source: the destination learns them from the stream');
      }
      const out = required(flags.out, '--out', 'the destination trace');
      const local = { kernel: flags.kernel, initrd: flags.initrd, disk: flags.disk, slaveDisk: flags['slave-disk'] };
      const listen = parseTcpAddress(flags.incoming, '--incoming');
      const timeoutMs = parseTimeout(flags.timeout);
      const rec = await receiveMigration({
        listen,
        out,
        memory,
        tcp: { timeoutMs },
        onListening: (a) => say(`listening on ${formatAddress(a)}`),
        onNote: say,
        local,
      });
      this.report(rec.metrics, say);
      say(destinationLine(rec));
      return { mode: 'destination', listen: formatAddress(listen), out, metrics: rec.metrics, destination: destinationInfo(rec) };
    }

    const copies = (['kernel', 'initrd', 'disk', 'slave-disk'] as const).filter((f) => flags[f] !== undefined);
    if (copies.length > 0) {
      throw new InputError('BAD_USAGE', `--${copies[0]} is a destination's own copy (migrate --incoming … --${copies[0]} FILE); a source migrates what its recording booted`);
    }
    const trace = required(args.trace, 'TRACE', 'the trace to migrate');
    const at = parseCount(required(flags.at, '--at', 'the migration point'), '--at');
    const options = parseOptions(flags);
    if (options.switchAt !== undefined && options.switchAt < at) {
      throw new InputError('BAD_SWITCH_AT', `--switch-at ${options.switchAt} is before --at ${at}: pre-copy stops the guest at or after it begins`);
    }
    const onRound = (r: RoundReport) => say(formatRound(r));
    const attach: SourceAttachRequest = {
      mode: flags.attach as 'boot' | 'late' | undefined,
      at: flags['attach-at'] === undefined ? undefined : parseCount(flags['attach-at'], '--attach-at'),
      agent: flags.agent,
    };

    if (flags.to !== undefined) {
      if (flags.out !== undefined) throw new InputError('BAD_USAGE', '--out belongs to the destination (migrate --incoming … --out DEST), not to the source');
      const to = parseTcpAddress(flags.to, '--to');
      const timeoutMs = parseTimeout(flags.timeout);
      say(`re-running ${trace} to icount ${at}, then migrating to ${formatAddress(to)} (${options.strategy})`);
      const outcome = await migrateTraceOverTcp({ trace, at, to, options, onRound, attach, tcp: { timeoutMs } });
      this.report(outcome.metrics, say);
      say(`stream: ${outcome.streamBytes} bytes, sha256 ${outcome.streamSha256}`);
      say(exitsLine(outcome.vmExits));
      const hv = hypervisorInfo(outcome.attachment, outcome.capture, outcome.notes);
      for (const line of hypervisorLines(hv)) say(line);
      return {
        hypervisor: hv,
        vmExits: outcome.vmExits,
        mode: 'source',
        trace,
        at,
        to: formatAddress(to),
        metrics: outcome.metrics,
        stream: { bytes: outcome.streamBytes, sha256: outcome.streamSha256 },
      };
    }

    if (flags.timeout !== formatDuration(DEFAULT_TIMEOUT_MS)) throw new InputError('BAD_USAGE', '--timeout is for migrations over TCP (--to or --incoming)');
    const out = required(flags.out, '--out', 'the destination trace');
    say(`re-running ${trace} to icount ${at}, then migrating in-process (${options.strategy})`);
    const result = await migrateTraceInProcess({ trace, at, out, options, destinationMemory: memory, onRound, attach });
    this.report(result.destination.metrics, say);
    say(exitsLine(result.vmExits));
    const hv = hypervisorInfo(result.attachment, result.source.capture, result.source.notes);
    for (const line of hypervisorLines(hv)) say(line);
    say(destinationLine(result.destination));
    return {
      hypervisor: hv,
      vmExits: result.vmExits,
      mode: 'in-process',
      trace,
      at,
      out,
      metrics: result.destination.metrics,
      stream: { bytes: result.source.streamBytes, sha256: result.source.streamSha256 },
      destination: destinationInfo(result.destination),
    };
  }

  private report(m: MigrationMetrics, say: (line: string) => void): void {
    for (const line of formatMetrics(m)) say(line);
  }
}

function required(v: string | undefined, flag: string, what: string): string {
  if (v === undefined) throw new InputError('BAD_USAGE', `missing ${flag} (${what})`);
  return v;
}

function parseOptions(flags: {
  strategy: string;
  bandwidth: string;
  latency: string;
  threshold: string;
  'max-rounds': string;
  prepage: string;
  'on-no-convergence': string;
  'switch-at'?: string;
  fault?: string[];
}): MigrationOptions {
  return migrationOptions({
    strategy: flags.strategy as 'precopy' | 'postcopy',
    link: { bandwidthBitsPerSecond: parseBandwidth(flags.bandwidth), latencyNanoseconds: parseLatency(flags.latency) },
    thresholdBytes: parseSize(flags.threshold, '--threshold'),
    maxRounds: parseCount(flags['max-rounds'], '--max-rounds'),
    prepagePages: parseCount(flags.prepage, '--prepage'),
    onNoConvergence: flags['on-no-convergence'] as NoConvergenceAction,
    faults: checkFaultNames(flags.fault ?? []),
    switchAt: flags['switch-at'] === undefined ? undefined : parseCount(flags['switch-at'], '--switch-at'),
  });
}

function hypervisorInfo(a: { mode: 'boot' | 'late'; icount: number; agent: boolean }, capture: CaptureResult, notes: readonly string[]): NonNullable<MigrateOutput['hypervisor']> {
  return {
    attach: a.mode,
    attachAt: a.icount,
    agent: a.agent,
    uncaptured: capture.devices.flatMap((d) => d.unknown.map((f) => `${d.device}.${f}`)),
    notes: [...notes],
  };
}

/** The late attach and what the source could not capture (the migration must say so), and the faults' effects. */
function hypervisorLines(hv: NonNullable<MigrateOutput['hypervisor']>): string[] {
  const out: string[] = [];
  if (hv.attach === 'late') {
    out.push(`source hypervisor attached late at icount ${hv.attachAt}, ${hv.agent ? 'with a guest agent' : 'without a guest agent'}`);
  }
  if (hv.uncaptured.length > 0) {
    out.push(`NOT CAPTURED: ${hv.uncaptured.length} field(s) the source could not learn; the destination reconstructs them as zero: ${hv.uncaptured.join(', ')}`);
  }
  for (const n of hv.notes) if (!n.startsWith('not captured')) out.push(`source: ${n}`);
  return out;
}

function destinationInfo(rec: DestinationRecording): NonNullable<MigrateOutput['destination']> {
  const o = rec.outcome;
  return { status: o.status, message: o.message, firstIcount: o.firstIcount, icount: o.icount, records: o.records };
}

function destinationLine(rec: DestinationRecording): string {
  const o = rec.outcome;
  return `destination trace ${rec.dir}: icount ${o.firstIcount} → ${o.icount}, ${o.status} (${o.message}), ${o.records} records`;
}

function exitsLine(exits: Record<string, number>): string {
  const entries = Object.entries(exits).filter(([, n]) => n > 0);
  const total = entries.reduce((a, [, n]) => a + n, 0);
  return `source hypervisor: ${total} VM exits${entries.length > 0 ? ` (${entries.map(([d, n]) => `${d} ${n}`).join(', ')})` : ''}`;
}
