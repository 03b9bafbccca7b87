/**
 * A progress line on stderr for long runs (record, replay): rewritten in place on a terminal,
 * at most a few times a second. Display only: the wall clock read here never reaches a trace.
 */
import { formatCount } from '../units.js';

export class ProgressLine {
  private lastDraw = 0;
  private drawn = false;
  private readonly started = Date.now();

  /** `force`: print even when stderr is not a terminal (one line per update, for scripts and tests). */
  constructor(
    private readonly label: string,
    private readonly force = false,
  ) {}

  get enabled(): boolean {
    return this.force || process.stderr.isTTY === true;
  }

  /** Seconds since the line was created. */
  get seconds(): number {
    return (Date.now() - this.started) / 1000;
  }

  update(p: { readonly icount: number; readonly records: number }): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < (this.force ? 100 : 250)) return;
    this.lastDraw = now;
    const rate = p.records / Math.max(this.seconds, 1e-3);
    const text = `${this.label}: icount ${formatCount(p.icount)}, ${formatCount(p.records)} records (${formatCount(rate)}/s)`;
    if (this.force && process.stderr.isTTY !== true) {
      process.stderr.write(`${text}\n`);
    } else {
      process.stderr.write(`\r${text}\x1b[K`);
      this.drawn = true;
    }
  }

  /** Clear the line (before the summary is printed). */
  done(): void {
    if (this.drawn) process.stderr.write('\r\x1b[K');
    this.drawn = false;
  }
}
