/**
 * PLACEHOLDER on branch `queue`: the real runCampaignJob (migrate the reference trace at the
 * job's point with its setting, verify) lands from branch `campaign`; the merge takes that file.
 * No logic belongs here.
 */
import { MigtraceError } from '../errors.js';
import type { JobRunner } from './types.js';

export const runCampaignJob: JobRunner = async () => {
  throw new MigtraceError('NOT_YET_MERGED', 'runCampaignJob is not yet merged on this branch (src/campaign/job.ts is a placeholder)');
};
