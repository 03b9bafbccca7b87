/**
 * The queue's names and defaults, apart from the BullMQ code: oclif loads every command to list
 * them, and `migtrace worker`'s flags need these without loading BullMQ and ioredis on every
 * run of every command.
 */

export const DEFAULT_QUEUE = 'migtrace-campaign';

/**
 * How soon a dead worker's job goes to another (docs/campaign.md, "Workers that die"): a job's
 * lock lapses after lockDurationMs without renewal; the stalled-job check runs every
 * stalledIntervalMs; a job found stalled more than maxStalledCount times fails.
 */
export const STALLED_DEFAULTS = { lockDurationMs: 30_000, stalledIntervalMs: 30_000, maxStalledCount: 2 } as const;
