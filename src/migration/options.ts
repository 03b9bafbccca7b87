/** A migration's parameters, with BLMVisor's defaults (64 MiB threshold, ~1 Gbps). */
import { InputError } from '../errors.js';
import { checkFaultNames, checkFaultsForStrategy } from './faults.js';
import { DEFAULT_LINK, type LinkParameters } from './link.js';
import type { Strategy } from './metrics.js';

export const DEFAULT_THRESHOLD_BYTES = 64 * 1024 * 1024;
/** Xen's default too: past ~30 rounds a guest dirtying faster than the link will not converge. */
export const DEFAULT_MAX_ROUNDS = 30;
/** Post-copy prepaging: absent neighbours fetched with a faulting page, on each side. */
export const DEFAULT_PREPAGE_PAGES = 4;

/**
 * What pre-copy does when the guest dirties memory too fast for the link to converge
 * (convergence.ts): hold the source machine for a growing share of each round (QEMU's
 * auto-converge), or give up with the guest running on the source.
 */
export type NoConvergenceAction = 'throttle' | 'fail';
export const NO_CONVERGENCE_ACTIONS: readonly NoConvergenceAction[] = ['throttle', 'fail'];
export const DEFAULT_ON_NO_CONVERGENCE: NoConvergenceAction = 'throttle';

export interface MigrationOptions {
  readonly strategy: Strategy;
  readonly link: LinkParameters;
  readonly thresholdBytes: number;
  readonly maxRounds: number;
  readonly prepagePages: number;
  /** Pre-copy that does not converge: throttle (default) or fail. */
  readonly onNoConvergence: NoConvergenceAction;
  /** Injected migration bugs by name (the hypervisor's and the engine's catalogs: faults.ts); recorded in the stream. */
  readonly faults: readonly string[];
  /**
   * Pre-copy: stop the guest and copy exactly at this icount (the rounds run from the
   * migration's start until then, converged or not; a round still going there is cut short).
   * Default: when the rounds converge or reach maxRounds.
   */
  readonly switchAt?: number;
}

export function migrationOptions(o: Partial<MigrationOptions> = {}): MigrationOptions {
  const opts: MigrationOptions = {
    strategy: o.strategy ?? 'precopy',
    link: o.link ?? DEFAULT_LINK,
    thresholdBytes: o.thresholdBytes ?? DEFAULT_THRESHOLD_BYTES,
    maxRounds: o.maxRounds ?? DEFAULT_MAX_ROUNDS,
    prepagePages: o.prepagePages ?? DEFAULT_PREPAGE_PAGES,
    onNoConvergence: o.onNoConvergence ?? DEFAULT_ON_NO_CONVERGENCE,
    faults: o.faults ?? [],
    ...(o.switchAt === undefined ? {} : { switchAt: o.switchAt }),
  };
  if (opts.strategy !== 'precopy' && opts.strategy !== 'postcopy') {
    throw new InputError('BAD_STRATEGY', `strategy "${String(opts.strategy)}" is not precopy or postcopy`);
  }
  if (!Number.isSafeInteger(opts.maxRounds) || opts.maxRounds < 1) {
    throw new InputError('BAD_MAX_ROUNDS', `max rounds must be at least 1, not ${opts.maxRounds}`);
  }
  if (!Number.isSafeInteger(opts.thresholdBytes) || opts.thresholdBytes < 0) {
    throw new InputError('BAD_THRESHOLD', `threshold must be a non-negative number of bytes, not ${opts.thresholdBytes}`);
  }
  if (!Number.isSafeInteger(opts.prepagePages) || opts.prepagePages < 0 || opts.prepagePages > 1024) {
    throw new InputError('BAD_PREPAGE', `prepage must be 0..1024 pages, not ${opts.prepagePages}`);
  }
  if (!NO_CONVERGENCE_ACTIONS.includes(opts.onNoConvergence)) {
    throw new InputError('BAD_NO_CONVERGENCE', `on no convergence: "${String(opts.onNoConvergence)}" is not ${NO_CONVERGENCE_ACTIONS.join(' or ')}`);
  }
  if (opts.switchAt !== undefined) {
    if (!Number.isSafeInteger(opts.switchAt) || opts.switchAt < 0) throw new InputError('BAD_SWITCH_AT', `--switch-at must be a non-negative icount, not ${opts.switchAt}`);
    if (opts.strategy === 'postcopy') throw new InputError('BAD_USAGE', '--switch-at is for pre-copy: post-copy switches over where it begins (--at)');
  }
  checkFaultNames(opts.faults);
  checkFaultsForStrategy(opts.faults, opts.strategy);
  return opts;
}
