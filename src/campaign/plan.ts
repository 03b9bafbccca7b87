/**
 * What a campaign runs at each point: the link settings (strategy × link) crossed with the
 * chosen points. The settings are chosen to reach what one default migration does not:
 *
 * - `precopy`: BLMVisor's parameters (1 Gbps, 64 MiB threshold): round 1, then stop-and-copy
 *   at the point — on a guest of 64 MiB or less, one round always converges;
 * - `precopy-rounds`: a zero threshold never converges, so rounds follow one another until the
 *   point and the last is cut short there: pages dirtied after round 1 travel in later rounds
 *   and in the stop-and-copy;
 * - `postcopy`: the switch-over at the point, pages on demand with 4 neighbours prepaged;
 * - `postcopy-faults`: no prepaging: a page the guest touches before the source pushes it faults alone.
 */
import { InputError } from '../errors.js';
import { checkFaultsForStrategy } from '../migration/faults.js';
import { LinkModel } from '../migration/link.js';
import type { CampaignJob, CampaignPoint, LinkSetting } from './types.js';

export const SETTING_NAMES = ['precopy', 'precopy-rounds', 'postcopy', 'postcopy-faults'] as const;

/** The settings for a machine of `memoryBytes` at `instructionsPerSecond` (the trace header's). */
export function campaignSettings(memoryBytes: number, instructionsPerSecond: number, names: readonly string[] = SETTING_NAMES): LinkSetting[] {
  const link = new LinkModel({ bandwidthBitsPerSecond: 1_000_000_000, latencyNanoseconds: 100_000 }, instructionsPerSecond);
  // Round 1 sends every page: at most this long on a 1 Gbps link.
  const round1 = link.instructions(link.transferNs(memoryBytes));
  const all: LinkSetting[] = [
    {
      name: 'precopy', strategy: 'precopy', bandwidth: '1Gbps', latency: '100us', threshold: '64MiB', maxRounds: 30, prepage: 4,
      leadInstructions: round1 + 1, doc: 'BLMVisor\'s parameters: round 1, then stop-and-copy at the point',
    },
    {
      name: 'precopy-rounds', strategy: 'precopy', bandwidth: '1Gbps', latency: '100us', threshold: '0', maxRounds: 1000, prepage: 4,
      leadInstructions: 3 * round1, doc: 'never converges: rounds until the point, the last cut short there; pages dirtied after round 1 travel later',
    },
    {
      name: 'postcopy', strategy: 'postcopy', bandwidth: '1Gbps', latency: '100us', threshold: '64MiB', maxRounds: 30, prepage: 4,
      leadInstructions: 0, doc: 'switch-over at the point, pages on demand, 4 neighbours prepaged',
    },
    {
      name: 'postcopy-faults', strategy: 'postcopy', bandwidth: '1Gbps', latency: '100us', threshold: '64MiB', maxRounds: 30, prepage: 0,
      leadInstructions: 0, doc: 'switch-over at the point, no prepaging: a page touched before the source pushes it faults alone',
    },
  ];
  const unknown = names.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0) throw new InputError('BAD_SETTING', `no link setting "${unknown[0]}" (there are ${SETTING_NAMES.join(', ')})`);
  return all.filter((s) => names.includes(s.name));
}

/**
 * Every point × every setting, in point order then setting order; ids are stable. Injected
 * faults (tests, demonstrations) skip the settings they cannot apply to (a post-copy-only
 * fault has no pre-copy job).
 */
export function campaignJobs(traceSha256: string, points: readonly CampaignPoint[], settings: readonly LinkSetting[], faults: readonly string[] = []): CampaignJob[] {
  const suffix = faults.map((f) => `+${f}`).join('');
  const usable = settings.filter((s) => faultsApply(faults, s.strategy));
  if (usable.length === 0) throw new InputError('BAD_SETTING', `no link setting can inject ${faults.join(', ')} (${settings.map((s) => s.name).join(', ')})`);
  return points.flatMap((p) =>
    usable.map((setting) => ({ id: `p${p.index}-${setting.name}${suffix}`, traceSha256, point: p.icount, pointIndex: p.index, setting, faults })),
  );
}

function faultsApply(faults: readonly string[], strategy: 'precopy' | 'postcopy'): boolean {
  try {
    checkFaultsForStrategy(faults, strategy);
    return true;
  } catch {
    return false;
  }
}
