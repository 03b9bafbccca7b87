/**
 * `npm run bench`: prints the figures the issues ask for. Wall time is measured here only.
 * Pass section names to run a subset: `npm run bench -- machine`.
 */
import { benchMachine } from './machine.js';
import { benchDevices } from './devices.js';
import { benchTraceFigures } from './trace.js';
import { benchMigration } from './migration.js';
import { benchVerify } from './verify.js';
import { benchOs, benchUsertests } from './os.js';
import { benchUsertestsMigration } from './usertests-migration.js';
import { benchCampaign } from './campaign.js';
import { benchSpeed } from './speed.js';
import { printFigures, type Figure } from './harness.js';

const sections: Record<string, () => Figure[] | Promise<Figure[]>> = {
  machine: benchMachine,
  devices: benchDevices,
  trace: benchTraceFigures,
  migration: benchMigration,
  verify: benchVerify,
  os: benchOs,
  usertests: benchUsertests,
  'usertests-migration': benchUsertestsMigration,
  campaign: benchCampaign,
  speed: benchSpeed,
};

const wanted = process.argv.slice(2);
/** Sections too long for a default run: only when named. */
const onlyWhenNamed = new Set(['usertests', 'usertests-migration', 'campaign', 'speed']);
for (const [name, run] of Object.entries(sections)) {
  if (wanted.length > 0 ? !wanted.includes(name) : onlyWhenNamed.has(name)) continue;
  printFigures(name, await run());
}
