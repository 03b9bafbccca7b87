/**
 * What every reconstruct driver gets: bus access on the destination, the capture, the timeline
 * of the reconstruction window, options (faults) and the report's notes.
 */
import type { CaptureResult, HypervisorOptions } from '../api.js';
import type { HvIo } from '../hv-io.js';
import type { Timeline } from '../timeline.js';
import { CapturedView } from '../captured.js';

export interface ReconstructContext {
  readonly io: HvIo;
  readonly capture: CaptureResult;
  readonly timeline: Timeline;
  readonly options: HypervisorOptions;
  readonly notes: string[];
  dummyFrames: number;
}

export function view(ctx: ReconstructContext, device: string): CapturedView | null {
  const d = ctx.capture.devices.find((x) => x.device === device);
  return d === undefined ? null : new CapturedView(d);
}
