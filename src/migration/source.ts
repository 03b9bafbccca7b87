/**
 * The source side of a migration: describe the machine, then pre-copy (pages in rounds while
 * the guest runs, then stop-and-copy) or post-copy (stop at once, send CPU and devices, then
 * serve pages on demand). Device state comes from the hypervisor's capture only.
 *
 * Virtual time: a round of B bytes takes B·8/bandwidth on the link, and the guest runs that
 * many seconds' worth of instructions while it does (the machine's instructions per second).
 * A round sends the pages as they are when it starts; whatever the guest writes meanwhile is
 * in the dirty log for the next round. Pre-copy gets its own dirty-log client
 * (src/machine/memory.ts), so trace checkpoints and the verifier keep theirs.
 *
 * The switch-over is a two-phase commit (docs/tcp-migration.md): END asks the destination to
 * prepare (load, reconstruct, ACK) without running the guest; the source then sends COMMIT —
 * it gives up its guest — and the destination runs it only once COMMIT is in, answering
 * COMMIT_ACK. Whatever is lost or damaged, at most one machine runs the guest.
 *
 * Failure: until the source has sent COMMIT it can always go back: the hypervisor restores
 * the source's devices, and the error says the guest resumed unharmed. Once COMMIT has gone
 * out the source never resumes: without the COMMIT_ACK the outcome is unknown (the destination
 * runs the guest if COMMIT reached it, and discarded it otherwise), and the error says so.
 * After a post-copy destination has resumed, the guest's memory is split between the two
 * machines: that failure is reported as the loss it is.
 */
import { createHash, type Hash } from 'node:crypto';
import type { CaptureResult } from '../hypervisor/api.js';
import { CopyOnWriteDiskBacking, SECTOR_SIZE, type DiskBacking } from '../devices/disk-backing.js';
import type { CpuState } from '../machine/cpu/cpu.js';
import type { Machine } from '../board/machine.js';
import { cpuAsSent } from './cpu-faults.js';
import { DirtyLogFaults } from './dirty-faults.js';
import { stalePagingPages } from './paging-faults.js';
import { POSTCOPY_PAGE_TABLE_STALE } from './faults.js';
import { BOOT_ATTACHMENT, type HypervisorAttachment } from './hypervisor-devices.js';
import { PAGE_SIZE } from '../machine/memory.js';
import type { DeviceCapture } from './devices.js';
import { InputError } from '../errors.js';
import { LinkDropped, MigrationError, MigrationProtocolError, MigrationRefused, sourceResumed } from './errors.js';
import { LinkModel, roundNs } from './link.js';
import { ConvergenceWatch, DIRTY_RATE_HIGH_ROUNDS } from './convergence.js';
import { WINDOW_UNSPLIT, computeMetrics, type MigrationMetrics, type PostCopyFigures, type ReconstructionSplit, type RoundReport } from './metrics.js';
import type { MigrationOptions } from './options.js';
import { BATCH_PAGES, ZeroPageTest, sendPages, type PagesSent } from './pages.js';
import { captureToPb, cpuToPb, machineShape } from './sections.js';
import {
  PHASE_PRECOPY_ROUND,
  PHASE_STOP_AND_COPY,
  SECTION,
  STRATEGY_POSTCOPY,
  STRATEGY_PRECOPY,
  StreamWriter,
  decodeSection,
  sectionKindName,
  type PbAck,
  type PbCommit,
  type PbDone,
  type PbEnvironment,
  type PbMachine,
  type PbPageRequest,
  type PbSourceNotes,
  type PbSwitchOver,
  type RawSection,
} from './stream.js';
import type { SourceLink } from './transport.js';

/** The code of a post-copy failure after the destination resumed: the guest is on neither machine. */
export const POSTCOPY_LOST = 'MIGRATION_POSTCOPY_LOST';
/** COMMIT went out but its COMMIT_ACK never came back: the source cannot know who has the guest. */
export const OUTCOME_UNKNOWN = 'MIGRATION_OUTCOME_UNKNOWN';
/** The destination refused after the source's COMMIT: the source had given the guest up, and it runs nowhere. */
export const COMMIT_REFUSED = 'MIGRATION_COMMIT_REFUSED';

/** Failures after which the guest must not run on the source. */
export function guestLeftSource(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === POSTCOPY_LOST || code === OUTCOME_UNKNOWN || code === COMMIT_REFUSED;
}

export interface SourceSide {
  readonly machine: Machine;
  /** The hypervisor, attached since boot (its shadows watched every write-only register) or late (`attachment`). */
  readonly devices: DeviceCapture;
  /** How the hypervisor came to the guest (default: at power-on); the destination's trace keeps it. */
  readonly attachment?: HypervisorAttachment;
  /** What the destination must be attached to (a recording's setup); empty when not a recording. */
  readonly environment?: PbEnvironment;
  /** A pre-copy round is done (the progress line). */
  readonly onRound?: (round: RoundReport) => void;
  /**
   * Pages that may hold data, 1 per page (those written since a fresh boot, see
   * writtenSinceBoot): the others are known zero without reading them. Called once.
   */
  readonly maybeNonZero?: () => Uint8Array;
}

/**
 * Track the pages a freshly booted machine writes from now on (its RAM is zero but for the
 * boot image), for SourceSide.maybeNonZero. Call right after boot.
 */
export function writtenSinceBoot(machine: Machine, image: { readonly length: number }, loadAddress: number): () => Uint8Array {
  const client = machine.memory.dirty.createClient('written-since-boot');
  return () => {
    const flags = new Uint8Array(machine.memory.ramPages);
    const written = client.takeAndClear();
    for (let i = 0; i < written.length; i++) flags[written[i]] = 1;
    const last = Math.min(flags.length - 1, Math.floor((loadAddress + image.length - 1) / PAGE_SIZE));
    for (let p = Math.floor(loadAddress / PAGE_SIZE); p <= last; p++) flags[p] = 1;
    for (const p of machine.loadedPages()) flags[p] = 1; // every boot mode's loads (and the firmware's)
    machine.memory.dirty.removeClient(client);
    return flags;
  };
}

export interface SourceOutcome {
  readonly metrics: MigrationMetrics;
  readonly capture: CaptureResult;
  /** Bytes the source wrote (header included) and their sha256: equal over every transport. */
  readonly streamBytes: number;
  readonly streamSha256: string;
  /** What the source said about the state it sent (SOURCE_NOTES): uncaptured fields, capture notes, faults' effects. */
  readonly notes: readonly string[];
}

export const EMPTY_ENVIRONMENT: PbEnvironment = {
  guestLabel: '',
  guestImage: new Uint8Array(0),
  guestArgsSet: false,
  guestArgs: '',
  rtcStart: 0,
  disk: null,
  inputScript: new Uint8Array(0),
  runUntil: 0,
  referenceStatus: '',
  toolVersion: '',
};

/** Writes the stream through the link, hashing every byte. */
class SourceStream {
  readonly writer: StreamWriter;
  private readonly hash: Hash = createHash('sha256');

  constructor(readonly link: SourceLink) {
    this.writer = new StreamWriter((bytes) => {
      this.hash.update(bytes);
      link.send(bytes);
    });
  }

  get bytes(): number {
    return this.writer.bytes;
  }

  write(kind: Parameters<StreamWriter['write']>[0], body: object): number {
    return this.writer.write(kind, body);
  }

  sha256(): string {
    return this.hash.copy().digest('hex');
  }
}

function describeMachine(machine: Machine, options: MigrationOptions): PbMachine {
  const shape = machineShape(machine);
  return {
    memoryBytes: shape.memoryBytes,
    instructionsPerSecond: shape.instructionsPerSecond,
    devices: shape.devices.map((d) => ({ name: d.name, schemaVersion: d.schemaVersion })),
    link: { ...options.link },
    strategy: options.strategy === 'precopy' ? STRATEGY_PRECOPY : STRATEGY_POSTCOPY,
    startIcount: machine.clock.icount,
    thresholdBytes: options.thresholdBytes,
    maxRounds: options.maxRounds,
    prepagePages: options.prepagePages,
    faults: [...options.faults],
    onNoConvergence: options.onNoConvergence,
    machineType: { ...shape.machineType },
    commitHandshake: true,
  };
}

function expectAck(section: RawSection, link: SourceLink, when: string): PbAck {
  const ack = decodeSection<PbAck>(section, SECTION.ACK, 'migration stream (destination → source)');
  if (!ack.ok) throw new MigrationRefused(`the destination (${link.peer}) refused ${when}: ${ack.message}`);
  return ack;
}

/** MACHINE and ENVIRONMENT, then the destination's verdict on them. */
async function handshake(s: SourceStream, side: SourceSide, options: MigrationOptions): Promise<void> {
  s.write(SECTION.MACHINE, describeMachine(side.machine, options));
  s.write(SECTION.ENVIRONMENT, side.environment ?? EMPTY_ENVIRONMENT);
  s.link.awaiting = "the destination's ACK of the machine";
  await s.link.flush();
  expectAck(await s.link.receive(), s.link, 'the machine');
}

/**
 * The destination's answer to COMMIT: COMMIT_ACK (it owns the guest), or a refusing ACK (it
 * failed and discarded the guest after all).
 */
function expectCommitAck(section: RawSection, link: SourceLink, switchIcount: number): void {
  const where = 'migration stream (destination → source)';
  if (section.kind === SECTION.ACK) {
    const ack = decodeSection<PbAck>(section, SECTION.ACK, where);
    throw new MigrationRefused(`the destination (${link.peer}) did not take the guest after the source's COMMIT: ${ack.ok ? 'it sent an ACK instead of COMMIT_ACK' : ack.message}`);
  }
  const c = decodeSection<PbCommit>(section, SECTION.COMMIT_ACK, where);
  if (c.switchIcount !== switchIcount) {
    throw new MigrationProtocolError(`the destination acknowledged COMMIT for the switch-over at icount ${c.switchIcount}, not ${switchIcount}`);
  }
}

/** Instructions the source runs between heartbeats it may owe a TCP destination. */
const KEEPALIVE_SLICE = 1 << 22;

/**
 * machine.run to `limit`, in slices with link.keepAlive() between them when the link wants it
 * (TCP: a long round would otherwise leave the destination hearing nothing). Slicing at
 * instruction counts does not change the run (Machine.run continues exactly where it stopped).
 */
function runKeepingAlive(machine: Machine, limit: number, link: SourceLink): ReturnType<Machine['run']> {
  if (link.keepAlive === undefined) return machine.run({ maxInstructions: limit });
  for (;;) {
    const r = machine.run({ maxInstructions: Math.min(limit, machine.clock.icount + KEEPALIVE_SLICE) });
    if (r.status !== 'limit' || machine.clock.icount >= limit) return r;
    link.keepAlive();
  }
}

/**
 * Where the outside world is when the guest stops: the recorded inputs delivered so far. Taken
 * before the capture, whose paused time may see more arrive at the source; the destination's
 * world delivers those again at their own icounts, after the switch-over, as a run that never
 * migrated would have seen them.
 */
function worldPosition(machine: Machine): number {
  return machine.board.input.delivered;
}

/** Pages per slice of a round between waits for the link (64 batches: 64 MiB at most in flight). */
const ROUND_SLICE_PAGES = 64 * BATCH_PAGES;

/**
 * One pre-copy round's pages, a slice at a time with a wait for the link in between, so a
 * TCP source never holds more than a slice in its socket buffer. The batches (and bytes) are
 * the same as in one go.
 */
async function sendRound(s: SourceStream, memory: Machine['memory'], pages: Uint32Array, round: number, icount: number, zero: ZeroPageTest): Promise<PagesSent> {
  const total: PagesSent = { pages: 0, zeroPages: 0, bytes: 0, sections: 0 };
  for (let at = 0; at < pages.length || at === 0; at += ROUND_SLICE_PAGES) {
    const slice = pages.subarray(at, at + ROUND_SLICE_PAGES);
    const last = at + ROUND_SLICE_PAGES >= pages.length;
    const sent = sendPages(s.writer, memory, slice, PHASE_PRECOPY_ROUND, round, icount, last, zero);
    total.pages += sent.pages;
    total.zeroPages += sent.zeroPages;
    total.bytes += sent.bytes;
    total.sections += sent.sections;
    s.link.awaiting = `the destination to take pre-copy round ${round}`;
    await s.link.flush();
  }
  return total;
}

/**
 * What the source says about the state it sends (SOURCE_NOTES, kept in the destination's
 * trace): the fields the hypervisor could not capture, its capture notes, the faults' effects.
 */
function sourceNotes(side: SourceSide, capture: CaptureResult, more: readonly string[]): string[] {
  const notes: string[] = [];
  const unknown = capture.devices.flatMap((d) => d.unknown.map((f) => `${d.device}.${f}`));
  if (unknown.length > 0) {
    const a = side.attachment ?? BOOT_ATTACHMENT;
    const why = a.mode === 'late' ? `the hypervisor attached late, at icount ${a.icount}, ${a.agent ? 'and the guest agent did not report them' : 'with no guest agent'}` : 'the hypervisor never saw them written';
    notes.push(`not captured (${why}): ${unknown.join(', ')}`);
  }
  for (const n of side.devices.lastNotes ?? []) notes.push(`capture: ${n}`);
  return [...notes, ...more];
}

/**
 * SWITCH_OVER, then SOURCE_NOTES (the attachment and `sourceNotes`). Returns the notes and
 * SOURCE_NOTES' bytes, which the link model leaves out (like STORAGE: not state).
 */
function writeSwitchOver(
  s: SourceStream,
  side: SourceSide,
  capture: CaptureResult,
  fields: Omit<PbSwitchOver, 'switchIcount' | 'pausedInstructions' | 'aheadFromIcount' | 'aheadFromSet'> & { aheadFromIcount: number },
  more: readonly string[],
): { notes: string[]; notesBytes: number } {
  s.write(SECTION.SWITCH_OVER, { switchIcount: capture.switchIcount, pausedInstructions: capture.pausedInstructions, ...fields, aheadFromSet: true });
  const a = side.attachment ?? BOOT_ATTACHMENT;
  const notes = sourceNotes(side, capture, more);
  const body: PbSourceNotes = { attach: { late: a.mode === 'late', icount: a.icount, agent: a.agent }, notes };
  return { notes, notesBytes: s.write(SECTION.SOURCE_NOTES, body) };
}

/** CPU (as `cpu`: the faults may have changed it), every device as captured, and the source's disk writes (STORAGE). Returns STORAGE's bytes. */
function writeState(s: SourceStream, machine: Machine, capture: CaptureResult, cpu: CpuState): number {
  s.write(SECTION.CPU, cpuToPb(cpu));
  for (const d of capture.devices) s.write(SECTION.DEVICE, captureToPb(d));
  // Storage is shared in BLMVisor (iSCSI), never copied: this stands in for the shared
  // medium, so it is left out of the link model's bytes.
  const { lbas, data } = diskWrites(machine.board.disk.backing);
  const slave = machine.board.slave === null ? null : diskWrites(machine.board.slave.backing);
  return s.write(SECTION.STORAGE, slave === null ? { lbas, data } : { lbas, data, slaveLbas: slave.lbas, slaveData: slave.data });
}

/** The sectors the source wrote to a shared disk (its overlay), in LBA order. */
function diskWrites(backing: DiskBacking): { lbas: number[]; data: Uint8Array } {
  const lbas: number[] = [];
  let data = new Uint8Array(0);
  if (backing instanceof CopyOnWriteDiskBacking) {
    lbas.push(...[...backing.written.keys()].sort((a, b) => a - b));
    data = new Uint8Array(lbas.length * SECTOR_SIZE);
    lbas.forEach((lba, i) => data.set(backing.written.get(lba)!.subarray(0, SECTOR_SIZE), i * SECTOR_SIZE));
  }
  return { lbas, data };
}

/**
 * Pre-copy: the destination aligns its time-driven devices (PIT, RTC phases) from the
 * configuration the source sends with the machine at the start — and again whenever the guest
 * changes it (the hypervisor traps those accesses) — so it has it from the later of the two.
 */
function aheadFromIcount(side: SourceSide, startIcount: number): number {
  return Math.max(startIcount, side.devices.timeConfigChangedAt?.() ?? startIcount);
}

/** The destination's reconstruction window as its ACK splits it. */
export function splitFromAck(ack: PbAck): ReconstructionSplit {
  return {
    splitKnown: ack.splitKnown === true,
    aheadInstructions: ack.aheadInstructions ?? 0,
    residualInstructions: ack.residualInstructions ?? 0,
    switchAccesses: ack.switchAccesses ?? 0,
  };
}

/** `--on-no-convergence fail`: nothing was captured, the guest runs on on the source. */
function notConverging(watch: ConvergenceWatch, round: number, sentBytes: number, dirtiedPages: number): MigrationError {
  return new MigrationError(
    'MIGRATION_NO_CONVERGENCE',
    `pre-copy is not converging: after round ${round} the guest had dirtied ${((dirtiedPages * PAGE_SIZE) / 1048576).toFixed(2)} MiB ` +
      `while ${(sentBytes / 1048576).toFixed(2)} MiB were sent, over half the link's rate in ${DIRTY_RATE_HIGH_ROUNDS} rounds in a row; ` +
      `nothing was switched over and the guest runs on on the source (try --on-no-convergence throttle, a faster link or a larger threshold)`,
  );
}

function switchAtPassed(switchAt: number, start: number): InputError {
  return new InputError('BAD_SWITCH_AT', `--switch-at ${switchAt} is before the migration begins (icount ${start}): pre-copy stops the guest at or after --at`);
}

function guestStopped(machine: Machine, status: string, message: string, round: number): MigrationError {
  return new MigrationError(
    'MIGRATION_GUEST_STOPPED',
    `the guest stopped during pre-copy round ${round} at icount ${machine.clock.icount} (${status}: ${message}); ` +
      'nothing was switched over: migrate earlier or over a faster link',
  );
}

/** Migrate `side.machine` to the destination at the far end of `link`. */
export async function migrateSource(side: SourceSide, link: SourceLink, options: MigrationOptions): Promise<SourceOutcome> {
  return options.strategy === 'precopy' ? preCopy(side, link, options) : postCopy(side, link, options);
}

async function preCopy(side: SourceSide, link: SourceLink, options: MigrationOptions): Promise<SourceOutcome> {
  const { machine } = side;
  const memory = machine.memory;
  const clock = machine.clock;
  const model = new LinkModel(options.link, clock.hz);
  const s = new SourceStream(link);
  const startIcount = clock.icount;
  const client = memory.dirty.createClient('precopy');
  const dirtyFaults = new DirtyLogFaults(options.faults, memory.ram);
  const switchAt = options.switchAt ?? Infinity;
  if (switchAt < startIcount) throw switchAtPassed(switchAt, startIcount);
  try {
    client.markAll(); // round 1 sends every page
    await handshake(s, side, options);

    const rounds: RoundReport[] = [];
    let forced = false;
    const watch = new ConvergenceWatch(options.onNoConvergence, options.thresholdBytes);
    // Round 1 sends every page; knowing which can only be zero saves reading them.
    let zero = new ZeroPageTest(memory, side.maybeNonZero?.() ?? null);
    for (let round = 1; ; round++) {
      const pages = dirtyFaults.roundSet(client.takeAndClear());
      const start = clock.icount;
      const sent = await sendRound(s, memory, pages, round, start, zero);
      dirtyFaults.sent(pages, round, start);
      zero = new ZeroPageTest(memory); // later rounds send written pages only
      const throttlePercent = watch.throttlePercent;
      // Auto-converge holds the machine (its clock too) for a share of the round (convergence.ts).
      // A stop-and-copy asked for at an icount (switchAt) cuts the round short there.
      const runTo = (limit: number) => {
        const r = runKeepingAlive(machine, Math.min(limit, switchAt), link);
        if (r.status === 'exited' || r.status === 'reset' || r.status === 'fault') throw guestStopped(machine, r.status, r.message, round);
      };
      const run = (ns: number) => runTo(start + watch.guestInstructions(model.instructions(ns)));
      run(roundNs(model, sent.bytes, false));
      const converged = client.count() * PAGE_SIZE <= options.thresholdBytes;
      const stopNow = clock.icount >= switchAt;
      forced = !converged && (round >= options.maxRounds || stopNow);
      const last = converged || forced;
      if (!last && watch.afterRound(round, sent.bytes, client.count())) throw notConverging(watch, round, sent.bytes, client.count());
      // The last round also waits for the destination to confirm every round; the guest runs on
      // meanwhile — with switchAt, on to exactly there, however early the rounds converged.
      const ns = roundNs(model, sent.bytes, last);
      if (last) run(ns);
      if (last && switchAt !== Infinity && clock.icount < switchAt) runTo(switchAt);
      const report: RoundReport = {
        round,
        pages: sent.pages,
        zeroPages: sent.zeroPages,
        bytes: sent.bytes,
        startIcount: start,
        endIcount: clock.icount,
        ns,
        dirtied: client.count(),
        throttlePercent,
      };
      rounds.push(report);
      side.onRound?.(report);
      if (last) break;
    }
    // Every round on the destination before the guest stops here: a link that dropped during
    // the rounds is found now, while the source can simply run on.
    for (const r of rounds) {
      link.awaiting = `the destination's ACK of pre-copy round ${r.round}`;
      const ack = expectAck(await link.receive(), link, `round ${r.round}`);
      if (ack.message !== `round ${r.round}`) {
        throw new MigrationProtocolError(`the destination confirmed "${ack.message}" where round ${r.round} was expected`);
      }
    }

    // Stop-and-copy. The capture may move guest memory (the NIC's dummy frames go through
    // the rings by DMA), so the last dirty set is taken after it.
    const delivered = worldPosition(machine);
    const aheadFrom = aheadFromIcount(side, startIcount);
    const capture = side.devices.captureDevices();
    let committed = false;
    let ack: PbAck;
    let stopCopy: { pages: number; zeroPages: number };
    let stopCopyBytes: number;
    let stopCopyPageBytes: number;
    let notes: string[] = [];
    try {
      const before = s.bytes;
      const finalSet = dirtyFaults.finalSet(client.takeAndClear(), rounds.length);
      const cpu = cpuAsSent(machine.cpu.getState(), memory, options.faults);
      const sw = writeSwitchOver(s, side, capture, { rounds: rounds.length, forced, inputEventsDelivered: delivered, aheadFromIcount: aheadFrom, noConvergenceRound: watch.detectedRound }, [...finalSet.notes, ...cpu.notes]);
      notes = sw.notes;
      const sent = sendPages(s.writer, memory, finalSet.pages, PHASE_STOP_AND_COPY, rounds.length + 1, clock.icount);
      stopCopy = sent;
      stopCopyPageBytes = sent.bytes;
      const storageBytes = writeState(s, machine, capture, cpu.state);
      s.write(SECTION.END, {
        sections: s.writer.sections,
        bytes: s.bytes,
        rounds: rounds.map((r) => ({
          round: r.round,
          pages: r.pages,
          zeroPages: r.zeroPages,
          bytes: r.bytes,
          startIcount: r.startIcount,
          endIcount: r.endIcount,
          throttlePercent: r.throttlePercent,
        })),
      });
      stopCopyBytes = s.bytes - before - storageBytes - sw.notesBytes;
      link.awaiting = "the destination's ACK of the migrated state";
      await link.flush();
      ack = expectAck(await link.receive(), link, 'the migrated state');
      // The destination is prepared. Give the guest up: from here on it never runs here again.
      s.write(SECTION.COMMIT, { switchIcount: capture.switchIcount });
      committed = true;
      link.awaiting = "the destination's COMMIT_ACK";
      await link.flush();
      expectCommitAck(await link.receive(), link, capture.switchIcount);
    } catch (err) {
      throw afterCapture(err, side, capture, clock.icount, committed);
    }

    const metrics = computeMetrics({
      strategy: 'precopy',
      link: options.link,
      instructionsPerSecond: clock.hz,
      thresholdBytes: options.thresholdBytes,
      maxRounds: options.maxRounds,
      startIcount,
      // The last round's dirtied pages are the stop-and-copy's: the capture may add some (DMA).
      rounds: rounds.map((r, i) => (i === rounds.length - 1 ? { ...r, dirtied: stopCopy.pages } : r)),
      forced,
      onNoConvergence: options.onNoConvergence,
      noConvergenceRound: watch.detectedRound,
      switchIcount: capture.switchIcount,
      stopCopyPages: stopCopy.pages,
      stopCopyZeroPages: stopCopy.zeroPages,
      stopCopyBytes,
      stopCopyPageBytes,
      capturePausedInstructions: capture.pausedInstructions,
      reconstructInstructions: ack.reconstructInstructions,
      window: splitFromAck(ack),
      aheadFromIcount: aheadFrom,
      postcopy: null,
    });
    return { metrics, capture, streamBytes: s.bytes, streamSha256: s.sha256(), notes };
  } finally {
    memory.dirty.removeClient(client);
  }
}

async function postCopy(side: SourceSide, link: SourceLink, options: MigrationOptions): Promise<SourceOutcome> {
  const { machine } = side;
  const memory = machine.memory;
  const clock = machine.clock;
  const s = new SourceStream(link);
  const startIcount = clock.icount;
  await handshake(s, side, options);

  const delivered = worldPosition(machine);
  const capture = side.devices.captureDevices();
  let endOnItsWay = false;
  let committed = false;
  let commitOnItsWay = false;
  let ack: PbAck | null = null;
  let commitAcked = false;
  let done: PbDone | null = null;
  let failure: Error | null = null;
  let stopCopyBytes: number;
  let serving: Promise<void>;
  let notes: string[] = [];
  const where = 'migration stream (destination → source)';
  try {
    const before = s.bytes;
    const cpu = cpuAsSent(machine.cpu.getState(), memory, options.faults);
    const stale = options.faults.includes(POSTCOPY_PAGE_TABLE_STALE) ? stalePagingPages(machine.cpu.getState(), memory.ram) : null;
    const sw = writeSwitchOver(s, side, capture, { rounds: 0, forced: false, inputEventsDelivered: delivered, aheadFromIcount: capture.switchIcount }, [...cpu.notes, ...(stale === null ? [] : [stale.note])]);
    notes = sw.notes;
    const storageBytes = writeState(s, machine, capture, cpu.state);
    const zero = new ZeroPageTest(memory, side.maybeNonZero?.() ?? null);
    const zeroPages: number[] = [];
    for (let p = 0; p < memory.ramPages; p++) if (zero.isZero(p)) zeroPages.push(p);
    s.write(SECTION.POSTCOPY_MAP, { ramPages: memory.ramPages, zeroPages });
    // Serve from here on: the destination asks for pages as soon as it has the state (its
    // hypervisor's reconstruction may read guest memory, the NIC's rings), before its ACK. In
    // process that happens inside the write of END itself.
    // Each step of the switch-over waits on its own promise; the handler settles the current one.
    let step!: () => void;
    const nextStep = () => new Promise<void>((resolve) => (step = resolve));
    let ackSeen = nextStep();
    serving = link.serve((section) => {
      try {
        if (section.kind === SECTION.ACK && ack === null) {
          ack = expectAck(section, link, 'the migrated state');
          step();
          return false;
        }
        if (section.kind === SECTION.PAGE_REQUEST) {
          if (!endOnItsWay) throw new MigrationProtocolError('the destination asked for pages before it had the whole state');
          const req = decodeSection<PbPageRequest>(section, SECTION.PAGE_REQUEST, where);
          servePages(s, machine, req, stale?.pages ?? null);
          return false;
        }
        if (ack === null) throw new MigrationProtocolError(`the destination sent ${sectionKindName(section.kind)} before its ACK`);
        if (!commitAcked) {
          if (!commitOnItsWay) throw new MigrationProtocolError(`the destination sent ${sectionKindName(section.kind)} before the source's COMMIT`);
          expectCommitAck(section, link, capture.switchIcount);
          commitAcked = true;
          step();
          return false;
        }
        done = decodeSection<PbDone>(section, SECTION.DONE, where);
        return true;
      } catch (err) {
        failure = err as Error;
        step();
        return true;
      }
    });
    const beforeEnd = s.bytes;
    endOnItsWay = true;
    const endBytes = s.write(SECTION.END, { sections: s.writer.sections, bytes: s.bytes, rounds: [] });
    // (Page responses written while END was on its way in process are not state.)
    stopCopyBytes = beforeEnd + endBytes - before - storageBytes - sw.notesBytes;
    link.awaiting = "the destination's ACK of the migrated state";
    await link.flush();
    await Promise.race([ackSeen, serving]);
    if (failure !== null) throw failure;
    if (ack === null) throw new LinkDropped(`the link to ${link.peer} closed before the destination acknowledged the state`);
    // The destination is prepared. Give the guest up: from here on it never runs here again.
    const commitAckSeen = nextStep();
    // In process the COMMIT_ACK arrives inside this write.
    commitOnItsWay = true;
    s.write(SECTION.COMMIT, { switchIcount: capture.switchIcount });
    committed = true;
    link.awaiting = "the destination's COMMIT_ACK";
    await link.flush();
    await Promise.race([commitAckSeen, serving]);
    if (failure !== null) throw failure;
    if (!commitAcked) throw new LinkDropped(`the link to ${link.peer} closed before the destination acknowledged COMMIT`);
    link.awaiting = "the destination's page requests or DONE (post-copy)";
  } catch (err) {
    throw afterCapture(err, side, capture, clock.icount, committed);
  }

  // The guest runs on the destination now: there is no going back.
  try {
    await serving;
    if (failure !== null) throw failure;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new MigrationError(
      POSTCOPY_LOST,
      `post-copy failed after the destination resumed: ${why}; the guest's memory is split between the two machines ` +
        'and cannot be recovered (post-copy has no fallback)',
    );
  }
  const d = done as PbDone | null;
  if (d === null) throw new LinkDropped(`the link to ${link.peer} closed before the destination had every page`);
  const a = ack as PbAck | null;
  const postcopy: PostCopyFigures = {
    requests: d.requests,
    faults: d.faults,
    faultPages: d.faultPages,
    pushedPages: d.pushedPages,
    stallNs: d.stallNanoseconds,
    totalNs: d.totalNanoseconds,
    pageBytes: d.pageBytes,
  };
  const metrics = computeMetrics({
    strategy: 'postcopy',
    link: options.link,
    instructionsPerSecond: clock.hz,
    thresholdBytes: options.thresholdBytes,
    maxRounds: options.maxRounds,
    startIcount,
    rounds: [],
    forced: false,
    onNoConvergence: options.onNoConvergence,
    noConvergenceRound: 0,
    switchIcount: capture.switchIcount,
    stopCopyPages: 0,
    stopCopyZeroPages: 0,
    stopCopyBytes,
    stopCopyPageBytes: 0,
    capturePausedInstructions: capture.pausedInstructions,
    reconstructInstructions: a?.reconstructInstructions ?? 0,
    window: a === null ? WINDOW_UNSPLIT : splitFromAck(a),
    // Post-copy stops the guest at once: no pre-copy for the time-driven work to overlap.
    aheadFromIcount: capture.switchIcount,
    postcopy,
  });
  return { metrics, capture, streamBytes: s.bytes, streamSha256: s.sha256(), notes };
}

/**
 * A failure after the capture. Before COMMIT the source takes its guest back (the hypervisor
 * restores the devices) and says so: the destination never runs a guest it was not committed.
 * After COMMIT the source never resumes: a refusal means the guest runs nowhere; anything else
 * (a lost, damaged or late COMMIT_ACK) leaves the outcome unknown, and the source says so.
 */
function afterCapture(err: unknown, side: SourceSide, capture: CaptureResult, icount: number, committed: boolean): Error {
  const why = err instanceof Error ? err.message : String(err);
  if (committed && err instanceof MigrationRefused) {
    return new MigrationError(
      COMMIT_REFUSED,
      `${why}; the source had already given up its guest (COMMIT sent), so the guest runs on neither machine: ` +
        'the source keeps it stopped, as committed',
    );
  }
  if (committed) {
    return new MigrationError(
      OUTCOME_UNKNOWN,
      `${why}; the source had sent COMMIT (given up its guest) but got no COMMIT_ACK, so the outcome is unknown: ` +
        'the destination runs the guest if COMMIT reached it and discarded it otherwise; the source keeps its guest stopped ' +
        'rather than risk running it twice',
    );
  }
  side.devices.restoreSource(capture);
  return sourceResumed(err, icount);
}

/** Answer one PAGE_REQUEST from the frozen source memory (`stale` pages as zeros: postcopy-page-table-stale). */
function servePages(s: SourceStream, machine: Machine, req: PbPageRequest, stale: ReadonlySet<number> | null): void {
  const memory = machine.memory;
  const data = new Uint8Array(req.pages.length * PAGE_SIZE);
  req.pages.forEach((p, i) => {
    if (p >= memory.ramPages) throw new MigrationProtocolError(`the destination asked for page ${p}, beyond the source's ${memory.ramPages}`);
    if (stale === null || !stale.has(p)) data.set(memory.ram.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE), i * PAGE_SIZE);
  });
  s.write(SECTION.PAGE_RESPONSE, { id: req.id, pages: req.pages, data });
}
