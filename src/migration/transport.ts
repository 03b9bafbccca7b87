/**
 * Transports: how a migration stream's bytes travel. The source writes sections and reads
 * the destination's replies; the destination reads sections and writes replies. Two
 * implementations share the engine: in-process (this file: the default, for tests, the
 * verifier and the bench) and TCP between two processes (src/net/tcp-transport.ts). Both carry the
 * same bytes, so a migration gives the same stream and the same destination either way.
 *
 * The destination side is synchronous: a post-copy destination fetches a page in the middle
 * of an instruction, as a real one blocks its vCPU on a missing page. In-process, the
 * source's page server runs inside that call; over TCP, a worker thread owns the socket and
 * the machine's thread waits on it (src/net/tcp-transport.ts).
 */
import { LinkDropped } from './errors.js';
import { StreamReader, type RawSection } from './stream.js';

export interface SourceLink {
  /** Bytes toward the destination (whole sections, as StreamWriter hands them out). */
  send(bytes: Uint8Array): void;
  /** Resolves once what was sent has been handed on (TCP: the socket drained); rejects if the link dropped. */
  flush(): Promise<void>;
  /** The destination's next section (an ACK). */
  receive(): Promise<RawSection>;
  /**
   * From now on hand every section from the destination to `handler` as it arrives (post-copy:
   * ACK, PAGE_REQUESTs, DONE); resolves when the handler returns true, rejects if the link drops.
   * Sections already received go to the handler first.
   */
  serve(handler: (section: RawSection) => boolean): Promise<void>;
  close(): void;
  /** Describes the far end, for messages ("in-process", "tcp:127.0.0.1:7000"). */
  readonly peer: string;
  /** What the source waits for now ("the ACK of the migrated state"): a timeout names it. */
  awaiting?: string;
  /**
   * Called between slices of a long synchronous run of the guest: a TCP link sends a
   * heartbeat if one is due, so the destination knows the source is alive. Never changes the
   * stream's sections.
   */
  keepAlive?(): void;
}

export interface DestinationLink {
  send(bytes: Uint8Array): void;
  /**
   * The source's next section. In-process: null when none is buffered (the source has not sent
   * it yet). TCP: waits for it; throws LinkDropped if the connection ends first.
   */
  next(): RawSection | null;
  close(): void;
  readonly peer: string;
  /** What the destination waits for now ("the source's COMMIT"): a timeout names it. */
  awaiting?: string;
}

/**
 * Both ends of an in-process migration. Source bytes reach the destination synchronously:
 * after each send, `onForward` lets the destination consume what arrived; a destination reply
 * reaches the source's serve handler at once (so a post-copy fault is answered inside the
 * call that asked), or waits for `receive()`.
 */
export class InProcessLink {
  readonly source: SourceLink;
  readonly destination: DestinationLink;
  /** The destination consumes forward bytes here (MigrationDestination.pump). */
  onForward: (() => void) | null = null;
  /** Bytes each way, for tests and metrics. */
  forwardBytes = 0;
  backwardBytes = 0;

  private readonly forward = new StreamReader('migration stream (source → destination)');
  private readonly backward = new StreamReader('migration stream (destination → source)');
  private readonly queued: RawSection[] = [];
  /** receive() calls waiting for a section (null: the link closed). */
  private readonly waiting: ((s: RawSection | null) => void)[] = [];
  private handler: ((s: RawSection) => boolean) | null = null;
  private served: (() => void) | null = null;
  private failServe: ((err: Error) => void) | null = null;
  private closed = false;
  private delivering = false;

  constructor() {
    const self = this;
    this.source = {
      peer: 'in-process',
      send(bytes) {
        self.checkOpen();
        self.forwardBytes += bytes.length;
        self.forward.push(bytes);
        self.onForward?.();
      },
      flush: () => (this.closed ? Promise.reject(this.dropped()) : Promise.resolve()),
      receive: () => {
        const s = this.queued.shift();
        if (s !== undefined) return Promise.resolve(s);
        if (this.closed) return Promise.reject(this.dropped());
        return new Promise((resolve, reject) => this.waiting.push((s) => (s === null ? reject(this.dropped()) : resolve(s))));
      },
      serve: (handler) =>
        new Promise<void>((resolve, reject) => {
          if (this.closed) throw this.dropped();
          this.handler = handler;
          this.served = resolve;
          this.failServe = reject;
          this.deliver();
        }),
      close: () => this.close(),
    };
    this.destination = {
      peer: 'in-process',
      send(bytes) {
        self.checkOpen();
        self.backwardBytes += bytes.length;
        self.backward.push(bytes);
        self.deliver();
      },
      next: () => this.forward.next(),
      close: () => this.close(),
    };
  }

  /** Drop the link: whoever waits on it (receive, serve) hears so. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiting.splice(0)) w(null);
    this.failServe?.(this.dropped());
    this.handler = null;
    this.served = null;
    this.failServe = null;
  }

  private checkOpen(): void {
    if (this.closed) throw this.dropped();
  }

  private dropped(): LinkDropped {
    return new LinkDropped('the in-process link was closed mid-stream');
  }

  /** Replies go to the serve handler when there is one, else to receive(). Not re-entered. */
  private deliver(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let s = this.backward.next(); s !== null; s = this.backward.next()) this.queued.push(s);
      while (this.queued.length > 0) {
        if (this.handler !== null) {
          const s = this.queued.shift()!;
          if (this.handler(s)) {
            const served = this.served;
            this.handler = null;
            this.served = null;
            this.failServe = null;
            served?.();
          }
        } else if (this.waiting.length > 0) {
          this.waiting.shift()!(this.queued.shift()!);
        } else {
          break;
        }
        for (let s = this.backward.next(); s !== null; s = this.backward.next()) this.queued.push(s);
      }
    } finally {
      this.delivering = false;
    }
  }
}
