/**
 * A golden guest's campaign points against the campaign's choice (test/golden/golden.test.ts
 * for the timer, test/long/golden.test.ts for every device guest): its golden reference's
 * coverage chooses exactly the manifest's points, and their newly covered features are every
 * feature the run reaches, each once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { computeCoverage } from '../../src/campaign/coverage.js';
import { pointsFor } from '../../src/golden/campaign-points.js';
import { goldenDir, type GoldenGuest } from '../../src/golden/golden.js';
import { importTrace } from '../../src/trace/export.js';

export async function expectCampaignPoints(g: GoldenGuest): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migtrace-golden-points-'));
  try {
    const ref = path.join(tmp, g.name);
    await importTrace(path.join(goldenDir(), g.file), ref);
    const coverage = await computeCoverage(ref);
    expect(pointsFor(coverage), g.name).toEqual(g.campaignPoints);
    const reached = coverage.features.map((f) => f.id);
    expect(g.campaignPoints!.flatMap((p) => p.newlyCovered).sort(), g.name).toEqual([...reached].sort());
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
