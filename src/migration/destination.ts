/**
 * The destination side of a migration: check the source's machine against this one (it must
 * be identical, with at least as much memory), apply pages as they arrive, and at END load
 * the CPU, have the hypervisor reconstruct every device through its registers, and resume.
 * For post-copy the pager (postcopy-destination.ts) then fetches pages as the guest needs them.
 *
 * Nothing is acted on before it has been read whole and its checksum verified (stream.ts).
 * A destination that fails (a damaged stream, a dropped link, a refusal) tells the source
 * when it still can (ACK with ok = false) and is left `failed`: its machine must be thrown
 * away, and nothing it recorded may claim success (the migrate command deletes it).
 */
import type { CapturedDevice, ReconstructReport } from '../hypervisor/api.js';
import type { CpuState } from '../machine/cpu/cpu.js';
import { CopyOnWriteDiskBacking, SECTOR_SIZE, type DiskBacking } from '../devices/disk-backing.js';
import type { Machine } from '../board/machine.js';
import { PAGE_ROUND_STOP_AND_COPY } from '../trace/switch-over-capture.js';
import type { DeviceReconstruction } from './devices.js';
import { DestinationMismatch, MigrationError, MigrationProtocolError, MigrationRefused, withNote } from './errors.js';
import { InputError } from '../errors.js';
import { LinkModel, roundNs } from './link.js';
import { computeMetrics, type MigrationFigures, type MigrationMetrics, type RoundReport } from './metrics.js';
import { applyPageBatch } from './pages.js';
import { PostCopyPager } from './postcopy-destination.js';
import { clearTssBusyBit } from './paging-faults.js';
import { TSS_BUSY_BIT_LOST } from './faults.js';
import { captureFromPb, cpuFromPb, destinationMismatch, machineShape } from './sections.js';
import {
  HEADER_BYTES,
  MigrationStreamError,
  PHASE_PRECOPY_ROUND,
  SECTION,
  STRATEGY_POSTCOPY,
  STRATEGY_PRECOPY,
  StreamWriter,
  decodeSection,
  sectionKindName,
  type PbCommit,
  type PbCpu,
  type PbDeviceCapture,
  type PbDiskWrites,
  type PbEnvironment,
  type PbMachine,
  type PbPageBatch,
  type PbPostCopyMap,
  type PbSourceNotes,
  type PbStreamEnd,
  type PbSwitchOver,
  type RawSection,
} from './stream.js';
import type { DestinationLink } from './transport.js';

export interface DestinationSide {
  /**
   * Build the machine the source described: a fresh one, its RAM all zero. The engine checks
   * that it is identical; throw a MigtraceError to refuse for another reason (a shared disk
   * that is not there).
   */
  createMachine(source: PbMachine, environment: PbEnvironment): Machine;
  /** The destination's hypervisor. */
  readonly devices: DeviceReconstruction;
}

/**
 * 'prepared': END is loaded and the devices reconstructed, the ACK sent; the guest does not
 * run until the source's COMMIT says it has given it up (docs/tcp-migration.md).
 */
type Phase = 'machine' | 'environment' | 'pages' | 'state' | 'prepared' | 'resumed' | 'failed';

const AWAITING: Record<Phase, string> = {
  machine: "the source's MACHINE section",
  environment: "the source's ENVIRONMENT section",
  pages: "the source's pre-copy pages or SWITCH_OVER",
  state: "the source's switch-over state (through END)",
  prepared: "the source's COMMIT",
  resumed: 'nothing',
  failed: 'nothing',
};

/** pageRounds: rounds beyond this are counted as this one. */
const PAGE_ROUND_MAX = PAGE_ROUND_STOP_AND_COPY - 1;

/** What the source sent at the switch-over, as this side loaded it (for the destination's trace). */
export interface CarriedState {
  readonly switchOver: PbSwitchOver;
  /** How the source's hypervisor attached and what the source said (absent from a 1.1 stream: at boot, no notes). */
  readonly sourceNotes: PbSourceNotes;
  /** The CPU section. */
  readonly cpu: CpuState;
  /** The DEVICE sections: values, provenance, unknown fields. */
  readonly devices: readonly CapturedDevice[];
  /**
   * Pre-copy: per page, the last batch that brought it (0 none, 1..253 the round,
   * PAGE_ROUND_STOP_AND_COPY the stop-and-copy); null for post-copy (every page comes from the
   * stopped source).
   */
  readonly pageRounds: Uint8Array | null;
}

const WHERE = 'migration stream (source → destination)';

export class MigrationDestination {
  /** The source's description (MACHINE), once read. */
  source: PbMachine | null = null;
  environment: PbEnvironment | null = null;
  /** The destination machine, once built; only usable when `resumed`. */
  machine: Machine | null = null;
  switchOver: PbSwitchOver | null = null;
  reconstruct: ReconstructReport | null = null;
  /** Post-copy only: fetches the pages the guest touches; `finish()` completes it. */
  pager: PostCopyPager | null = null;
  /** Why the destination failed, when it did. */
  failure: Error | null = null;
  /** Called once the guest has resumed here (state loaded, devices reconstructed, ACK sent). */
  onResumed: (() => void) | null = null;

  private phase: Phase = 'machine';
  private readonly writer: StreamWriter;
  private bytesRead = HEADER_BYTES;
  private sectionsRead = 0;
  private stateStart = 0;
  /** STORAGE and SOURCE_NOTES: not state, left out of the link model. */
  private uncountedBytes = 0;
  private sourceNotes: PbSourceNotes = { attach: null, notes: [] };
  private stopCopyPages = 0;
  private stopCopyPageBytes = 0;
  private stopCopyZeroPages = 0;
  private cpu: CpuState | null = null;
  private readonly devices: CapturedDevice[] = [];
  private postcopyMap: PbPostCopyMap | null = null;
  private rounds: RoundReport[] = [];
  private figures: MigrationFigures | null = null;
  private pumping = false;
  /** Pages a PAGES batch has put data into (applyPageBatch). */
  private written: Uint8Array | null = null;
  /** CarriedState.pageRounds. */
  private pageRounds: Uint8Array | null = null;

  constructor(
    readonly link: DestinationLink,
    private readonly side: DestinationSide,
  ) {
    this.writer = new StreamWriter((bytes) => link.send(bytes));
  }

  get resumed(): boolean {
    return this.phase === 'resumed';
  }

  get failed(): boolean {
    return this.phase === 'failed';
  }

  /** The state is loaded and ACKed; the destination waits for COMMIT before it runs the guest. */
  get prepared(): boolean {
    return this.phase === 'prepared';
  }

  get strategy(): 'precopy' | 'postcopy' {
    return this.source?.strategy === STRATEGY_POSTCOPY ? 'postcopy' : 'precopy';
  }

  /** In-process: take whatever the source has sent so far (a no-op once resumed). */
  pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.resumed && !this.failed) {
        this.link.awaiting = AWAITING[this.phase];
        const s = this.guard(() => this.link.next());
        if (s === null) break;
        this.accept(s);
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * TCP: read until the guest has resumed here (the link waits for each section): until the
   * source's COMMIT. A link that fails while the destination is prepared but uncommitted says so:
   * the guest never ran here.
   */
  receiveAll(): void {
    while (!this.resumed) {
      if (this.failed) throw this.failure!;
      const wasPrepared = this.phase === 'prepared';
      this.link.awaiting = AWAITING[this.phase];
      let s: RawSection | null;
      try {
        s = this.link.next();
      } catch (err) {
        throw this.fail(wasPrepared ? notCommitted(err) : (err as Error));
      }
      if (s === null) throw this.fail(new MigrationProtocolError('the source stopped sending before END'));
      try {
        this.accept(s);
      } catch (err) {
        if (wasPrepared) this.failure = notCommitted(err);
        throw this.failure!;
      }
    }
  }

  /** One section from the source. */
  accept(section: RawSection): void {
    this.guard(() => this.dispatch(section));
    this.sectionsRead++;
    this.bytesRead += section.bytes;
  }

  /**
   * After the destination has run: post-copy fetches what is still absent and says DONE.
   * Returns the migration's metrics as this side saw them.
   */
  finish(): MigrationMetrics {
    if (!this.resumed || this.figures === null) throw new MigrationError('MIGRATION_NOT_RESUMED', 'the destination never resumed the guest');
    const postcopy = this.pager === null ? null : this.guard(() => this.pager!.finish());
    return computeMetrics({ ...this.figures, postcopy });
  }

  /** What the source sent at the switch-over, once the guest has resumed here. */
  get carried(): CarriedState | null {
    if (this.switchOver === null || this.cpu === null || !this.resumed) return null;
    return { switchOver: this.switchOver, sourceNotes: this.sourceNotes, cpu: this.cpu, devices: this.devices, pageRounds: this.pageRounds };
  }

  private notePages(batch: PbPageBatch, mark: number): void {
    const rounds = this.pageRounds;
    if (rounds === null) return;
    for (const p of batch.pages) rounds[p] = mark;
    for (const p of batch.zeroPages) rounds[p] = mark;
  }

  /** Metrics so far (post-copy figures without the rest of the push). */
  get metrics(): MigrationMetrics | null {
    return this.figures === null ? null : computeMetrics(this.figures);
  }

  // ---------------------------------------------------------------- sections

  private dispatch(s: RawSection): void {
    switch (this.phase) {
      case 'machine':
        this.source = decodeSection<PbMachine>(s, SECTION.MACHINE, WHERE);
        if (this.source.strategy !== STRATEGY_PRECOPY && this.source.strategy !== STRATEGY_POSTCOPY) {
          throw new MigrationStreamError('BAD_SECTION', `${WHERE}: unknown migration strategy ${this.source.strategy}`);
        }
        this.phase = 'environment';
        return;
      case 'environment':
        this.environment = decodeSection<PbEnvironment>(s, SECTION.ENVIRONMENT, WHERE);
        this.acceptMachine();
        this.phase = this.strategy === 'precopy' ? 'pages' : 'state';
        return;
      case 'pages':
        if (s.kind === SECTION.PAGES) {
          const batch = decodeSection<PbPageBatch>(s, SECTION.PAGES, WHERE);
          if (batch.phase !== PHASE_PRECOPY_ROUND) throw this.unexpected(s, 'a pre-copy round');
          applyPageBatch(this.machine!.memory, batch, this.written!, `${WHERE}: section ${s.index}`);
          this.notePages(batch, Math.min(Math.max(batch.round, 1), PAGE_ROUND_MAX));
          if (batch.roundEnd) this.writer.write(SECTION.ACK, { ok: true, message: `round ${batch.round}`, reconstructInstructions: 0, dummyFrames: 0 });
          return;
        }
        this.switchOver = decodeSection<PbSwitchOver>(s, SECTION.SWITCH_OVER, WHERE);
        this.stateStart = this.bytesRead;
        this.phase = 'state';
        return;
      case 'state':
        this.stateSection(s);
        return;
      case 'prepared': {
        const c = decodeSection<PbCommit>(s, SECTION.COMMIT, WHERE);
        const sw = this.switchOver!;
        if (c.switchIcount !== sw.switchIcount) {
          throw new MigrationProtocolError(`${WHERE}: COMMIT names the switch-over at icount ${c.switchIcount}, this side loaded the one at ${sw.switchIcount}`);
        }
        // The source has given up its guest: it is ours now. Say so before running it.
        this.writer.write(SECTION.COMMIT_ACK, { switchIcount: c.switchIcount });
        this.phase = 'resumed';
        this.onResumed?.();
        return;
      }
      default:
        throw this.unexpected(s, this.phase === 'resumed' ? 'nothing (the guest has resumed)' : 'nothing (the migration failed)');
    }
  }

  private stateSection(s: RawSection): void {
    if (this.switchOver === null) {
      this.switchOver = decodeSection<PbSwitchOver>(s, SECTION.SWITCH_OVER, WHERE);
      this.stateStart = this.bytesRead;
      return;
    }
    const memory = this.machine!.memory;
    switch (s.kind) {
      case SECTION.PAGES: {
        const batch = decodeSection<PbPageBatch>(s, SECTION.PAGES, WHERE);
        applyPageBatch(memory, batch, this.written!, `${WHERE}: section ${s.index}`);
        this.notePages(batch, PAGE_ROUND_STOP_AND_COPY);
        this.stopCopyPages += batch.pages.length + batch.zeroPages.length;
        this.stopCopyPageBytes += s.bytes;
        this.stopCopyZeroPages += batch.zeroPages.length;
        return;
      }
      case SECTION.CPU:
        this.cpu = cpuFromPb(decodeSection<PbCpu>(s, SECTION.CPU, WHERE));
        return;
      case SECTION.DEVICE:
        this.devices.push(captureFromPb(decodeSection<PbDeviceCapture>(s, SECTION.DEVICE, WHERE)));
        return;
      case SECTION.STORAGE:
        this.applyStorage(decodeSection<PbDiskWrites>(s, SECTION.STORAGE, WHERE));
        this.uncountedBytes += s.bytes;
        return;
      case SECTION.SOURCE_NOTES:
        // Not state: like STORAGE, left out of the link model's bytes.
        this.sourceNotes = decodeSection<PbSourceNotes>(s, SECTION.SOURCE_NOTES, WHERE);
        this.uncountedBytes += s.bytes;
        return;
      case SECTION.POSTCOPY_MAP:
        this.postcopyMap = decodeSection<PbPostCopyMap>(s, SECTION.POSTCOPY_MAP, WHERE);
        return;
      case SECTION.END:
        this.end(decodeSection<PbStreamEnd>(s, SECTION.END, WHERE), s.bytes);
        return;
      default:
        throw this.unexpected(s, 'the switch-over state');
    }
  }

  /** The source's description against this machine: identical, or refused. */
  private acceptMachine(): void {
    const source = this.source!;
    let machine: Machine;
    // Refusals here come before any page or anything runs: another board, another kernel,
    // initrd or disk than this side's are bad input to this side (exit 2), and the source runs on.
    try {
      machine = this.side.createMachine(source, this.environment!);
    } catch (err) {
      if (err instanceof InputError) throw new InputError(err.code, `the destination refuses the migration: ${err.message}`);
      throw this.refuse((err as Error).message);
    }
    const problem = destinationMismatch(source, machineShape(machine));
    if (problem !== null) throw new DestinationMismatch(`the destination refuses the migration: not an identical machine: ${problem}`);
    if (source.commitHandshake !== true) {
      throw this.refuse('the source does not know the switch-over commit (stream 2.1): run the same migtrace release at both ends');
    }
    this.machine = machine;
    this.written = new Uint8Array(machine.memory.ramPages);
    if (this.strategy === 'precopy') this.pageRounds = new Uint8Array(machine.memory.ramPages);
    this.writer.write(SECTION.ACK, { ok: true, message: '', reconstructInstructions: 0, dummyFrames: 0 });
  }

  private applyStorage(w: PbDiskWrites): void {
    if (w.data.length !== w.lbas.length * SECTOR_SIZE) {
      throw new MigrationStreamError('BAD_SECTION', `${WHERE}: STORAGE names ${w.lbas.length} sectors but carries ${w.data.length} bytes`);
    }
    const slaveLbas = w.slaveLbas ?? [];
    const slaveData = w.slaveData ?? new Uint8Array(0);
    if (slaveData.length !== slaveLbas.length * SECTOR_SIZE) {
      throw new MigrationStreamError('BAD_SECTION', `${WHERE}: STORAGE names ${slaveLbas.length} slave sectors but carries ${slaveData.length} bytes`);
    }
    this.applyDiskWrites(this.machine!.board.disk.backing, w.lbas, w.data, 'disk');
    if (slaveLbas.length > 0) {
      const slave = this.machine!.board.slave;
      if (slave === null) throw new MigrationRefused('the source wrote to its slave disk, but this destination has none');
      this.applyDiskWrites(slave.backing, slaveLbas, slaveData, 'slave disk');
    }
  }

  private applyDiskWrites(backing: DiskBacking, lbas: number[], data: Uint8Array, what: string): void {
    if (lbas.length === 0) return;
    if (!(backing instanceof CopyOnWriteDiskBacking)) {
      throw new MigrationRefused(`the source wrote to its ${what}, but this destination's ${what} is not an overlay of the shared medium`);
    }
    lbas.forEach((lba, i) => backing.written.set(lba, data.slice(i * SECTOR_SIZE, (i + 1) * SECTOR_SIZE)));
  }

  /** END: everything is here. Load it, reconstruct the devices, ACK, and wait for COMMIT. */
  private end(end: PbStreamEnd, endBytes: number): void {
    if (end.sections !== this.sectionsRead || end.bytes !== this.bytesRead) {
      throw new MigrationStreamError(
        'STREAM_MISMATCH',
        `${WHERE}: END says ${end.sections} sections and ${end.bytes} bytes came before it, this side read ${this.sectionsRead} and ${this.bytesRead}`,
      );
    }
    const source = this.source!;
    const machine = this.machine!;
    const sw = this.switchOver!;
    if (this.cpu === null) throw new MigrationStreamError('BAD_STREAM', `${WHERE}: END before the CPU section`);
    const postcopy = this.strategy === 'postcopy';
    if (postcopy && this.postcopyMap === null) throw new MigrationStreamError('BAD_STREAM', `${WHERE}: post-copy END without a POSTCOPY_MAP`);
    const model = new LinkModel(source.link ?? undefined, source.instructionsPerSecond);

    if (postcopy) {
      const map = this.postcopyMap!;
      if (map.ramPages * 4096 !== source.memoryBytes) {
        throw new MigrationStreamError('BAD_SECTION', `${WHERE}: POSTCOPY_MAP covers ${map.ramPages} pages, the source has ${source.memoryBytes / 4096}`);
      }
      this.pager = new PostCopyPager(machine, this.link, this.writer, model, source.prepagePages, sw.switchIcount, map.ramPages);
      this.pager.start(map.zeroPages);
    }
    machine.cpu.setState(this.cpu);
    if (source.faults.includes(TSS_BUSY_BIT_LOST)) clearTssBusyBit(machine, this.cpu);
    // The outside world goes on where the source left it (before the reconstruction window,
    // so no recorded input reaches the destination's devices twice).
    machine.board.input.continueFrom(sw.inputEventsDelivered);
    this.reconstruct = this.side.devices.reconstruct(
      machine,
      { switchIcount: sw.switchIcount, devices: this.devices, pausedInstructions: sw.pausedInstructions },
      source.faults,
    );
    if (machine.clock.icount !== sw.switchIcount) {
      throw new MigrationError(
        'MIGRATION_RECONSTRUCT_WINDOW',
        `device reconstruction left the clock at icount ${machine.clock.icount}, not at the switch-over icount ${sw.switchIcount}`,
      );
    }

    this.rounds = end.rounds.map((r, i, all) => ({
      round: r.round,
      pages: r.pages,
      zeroPages: r.zeroPages,
      bytes: r.bytes,
      startIcount: r.startIcount,
      endIcount: r.endIcount,
      ns: roundNs(model, r.bytes, i === all.length - 1),
      dirtied: i + 1 < all.length ? all[i + 1].pages : this.stopCopyPages,
      throttlePercent: r.throttlePercent ?? 0,
    }));
    this.figures = {
      strategy: this.strategy,
      link: { bandwidthBitsPerSecond: model.params.bandwidthBitsPerSecond, latencyNanoseconds: model.latencyNs },
      instructionsPerSecond: source.instructionsPerSecond,
      thresholdBytes: source.thresholdBytes,
      maxRounds: source.maxRounds,
      startIcount: source.startIcount,
      rounds: this.rounds,
      forced: sw.forced,
      onNoConvergence: source.onNoConvergence ?? '',
      noConvergenceRound: sw.noConvergenceRound ?? 0,
      switchIcount: sw.switchIcount,
      stopCopyPages: this.stopCopyPages,
      stopCopyZeroPages: this.stopCopyZeroPages,
      stopCopyBytes: this.bytesRead + endBytes - this.stateStart - this.uncountedBytes,
      stopCopyPageBytes: this.stopCopyPageBytes,
      capturePausedInstructions: sw.pausedInstructions,
      reconstructInstructions: this.reconstruct.budget,
      window: {
        splitKnown: true,
        aheadInstructions: this.reconstruct.aheadInstructions,
        residualInstructions: this.reconstruct.residualInstructions,
        switchAccesses: this.reconstruct.switchAccesses,
      },
      aheadFromIcount: sw.aheadFromSet === true ? Math.min(sw.aheadFromIcount ?? sw.switchIcount, sw.switchIcount) : sw.switchIcount,
      postcopy: null,
    };
    this.pager?.resume(computeMetrics(this.figures).downtimeNs);
    this.writer.write(SECTION.ACK, {
      ok: true,
      message: '',
      reconstructInstructions: this.reconstruct.budget,
      dummyFrames: this.reconstruct.dummyFrames,
      aheadInstructions: this.reconstruct.aheadInstructions,
      residualInstructions: this.reconstruct.residualInstructions,
      switchAccesses: this.reconstruct.switchAccesses,
      splitKnown: true,
    });
    this.phase = 'prepared';
  }

  // ---------------------------------------------------------------- failure

  private unexpected(s: RawSection, expected: string): MigrationProtocolError {
    return new MigrationProtocolError(`${WHERE}: section ${s.index} is ${sectionKindName(s.kind)} where ${expected} was expected`);
  }

  private refuse(why: string): MigrationRefused {
    return new MigrationRefused(`the destination refuses the migration: ${why}`);
  }

  /** Run `fn`; on any error, tell the source (if the link still works), mark failed, rethrow. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw this.fail(err as Error);
    }
  }

  private fail(err: Error): Error {
    if (this.phase !== 'failed') {
      const wasResumed = this.phase === 'resumed';
      this.phase = 'failed';
      this.failure = err;
      if (!wasResumed) {
        try {
          this.writer.write(SECTION.ACK, { ok: false, message: err.message, reconstructInstructions: 0, dummyFrames: 0 });
        } catch {
          // the link is gone: the source finds out on its own
        }
      }
    }
    return err;
  }
}

/** A failure while prepared: the source never gave up the guest, so this side never ran it. */
function notCommitted(err: unknown): Error {
  return withNote(err, "that was before the source's COMMIT, so the destination never ran the guest");
}
