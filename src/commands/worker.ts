import { Flags } from '@oclif/core';
import { MigtraceCommand } from '../cli/base-command.js';
import { parseCount } from '../units.js';
import { InputError } from '../errors.js';
import { DEFAULT_QUEUE, STALLED_DEFAULTS } from '../campaign/queue-defaults.js';

export interface WorkerOutput {
  worker: string;
  queue: string;
  signal: string;
}

/** "30s", "500ms", "1m" → milliseconds. */
function parseMs(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/i.exec(text);
  const ms = m === null ? NaN : Math.round(Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000 }[(m[2] ?? 's').toLowerCase()] ?? NaN));
  if (!(ms >= 100)) throw new InputError('BAD_DURATION', `${what}: "${text}" is not a duration of at least 100ms (examples: 30s, 500ms, 1m)`);
  return ms;
}

const seconds = (ms: number) => `${ms / 1000}s`;

export default class WorkerCommand extends MigtraceCommand {
  static override description =
    'Take campaign jobs from a BullMQ queue on Redis and run them on this host, until SIGTERM or SIGINT (docs/campaign.md, "Distributed")';
  static override examples = [
    '<%= config.bin %> worker --redis redis://10.0.0.5:6379',
    '<%= config.bin %> worker --redis redis://127.0.0.1:6379 --concurrency 4 --cache /var/tmp/migtrace-traces',
  ];

  static override flags = {
    redis: Flags.string({ description: 'the Redis server holding the queue, redis://HOST:PORT', required: true }),
    queue: Flags.string({ description: 'queue name', default: DEFAULT_QUEUE }),
    concurrency: Flags.string({ description: 'jobs run at once on this host (one thread each)', default: '1' }),
    cache: Flags.string({ description: 'directory of imported traces, one per content address (default ~/.cache/migtrace/campaign-traces)' }),
    'lock-duration': Flags.string({
      description: 'how long a job\'s lock lasts without renewal: a worker silent this long is taken for dead and its job retried elsewhere',
      default: seconds(STALLED_DEFAULTS.lockDurationMs),
    }),
    'stalled-interval': Flags.string({ description: 'how often this worker looks for jobs whose worker died', default: seconds(STALLED_DEFAULTS.stalledIntervalMs) }),
    'max-stalled': Flags.string({ description: 'a job found stalled more often than this fails', default: String(STALLED_DEFAULTS.maxStalledCount) }),
  };

  async run(): Promise<WorkerOutput> {
    const { flags } = await this.parse(WorkerCommand);
    const concurrency = parseCount(flags.concurrency, '--concurrency');
    if (concurrency < 1) throw new InputError('BAD_NUMBER', '--concurrency: at least 1');
    const say = (line: string) => (this.jsonEnabled() ? process.stderr.write(`${line}\n`) : this.log(line));
    // BullMQ and ioredis load here, not with the command list (queue-defaults.ts).
    const { startQueueWorker } = await import('../campaign/queue-worker.js');
    const worker = await startQueueWorker({
      redisUrl: flags.redis,
      queue: flags.queue,
      concurrency,
      cacheDir: flags.cache,
      lockDurationMs: parseMs(flags['lock-duration'], '--lock-duration'),
      stalledIntervalMs: parseMs(flags['stalled-interval'], '--stalled-interval'),
      maxStalledCount: parseCount(flags['max-stalled'], '--max-stalled'),
      log: say,
    });
    say(`worker ${worker.name} taking jobs from queue ${flags.queue} at ${flags.redis} (concurrency ${concurrency})`);
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    // A second signal stops at once: running jobs' locks lapse and other workers retry them.
    const now = () => process.exit(130);
    process.once('SIGTERM', now);
    process.once('SIGINT', now);
    say(`${signal}: finishing running jobs, then exiting (signal again to stop now)`);
    await worker.close();
    return { worker: worker.name, queue: flags.queue, signal };
  }
}
