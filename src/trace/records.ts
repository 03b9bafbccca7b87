/**
 * Records as a reader hands them out. Numbers for space, direction and origin are the bus's
 * own constants (src/machine/bus.ts: SPACE_PIO/SPACE_MMIO, DIR_READ/DIR_WRITE,
 * ORIGIN_GUEST/ORIGIN_HYPERVISOR), so replay code compares them without translation.
 */

interface RecordBase {
  /** Position in the trace: 0, 1, 2, … in recording order. */
  readonly seq: number;
  readonly icount: number;
}

export interface AccessRecord extends RecordBase {
  readonly kind: 'pio' | 'mmio';
  readonly dir: number;
  /** Port for PIO, physical address for MMIO. */
  readonly addr: number;
  readonly size: number;
  readonly value: number;
  readonly device: number;
  readonly origin: number;
}

export interface DmaRecord extends RecordBase {
  readonly kind: 'dma';
  readonly dir: number;
  readonly device: number;
  readonly addr: number;
  readonly length: number;
  /** First 16 bytes of sha256(data), hex. */
  readonly hash: string;
  readonly origin: number;
}

export interface TransitionRecord extends RecordBase {
  readonly kind: 'transition';
  readonly device: number;
  /** Index into the device's schema fields (header.machine.devices[].fields). */
  readonly field: number;
  /** The field's name from the header ("" when the header does not list it). */
  readonly fieldName: string;
  /** Array element, or -1 for a scalar field. */
  readonly index: number;
  readonly oldValue: number;
  readonly newValue: number;
}

export const IRQ_RAISE = 0;
export const IRQ_LOWER = 1;
export const IRQ_ACK = 2;
export const IRQ_DELIVER = 3;
export const INTERRUPT_ACTIONS = ['raise', 'lower', 'ack', 'deliver'] as const;
export type InterruptAction = (typeof INTERRUPT_ACTIONS)[number];

export interface InterruptRecord extends RecordBase {
  readonly kind: 'interrupt';
  readonly action: InterruptAction;
  /** The ISA line for raise/lower, the vector for ack/deliver. */
  readonly value: number;
}

export type DataChannel = 'serial' | 'frame';

export interface DataRecord extends RecordBase {
  readonly kind: 'input' | 'output';
  readonly channel: DataChannel;
  readonly device: number;
  readonly data: Uint8Array;
}

export interface HypervisorRecord extends RecordBase {
  readonly kind: 'hypervisor';
  readonly action: string;
  readonly device: number;
  readonly detail: string;
}

export interface MigrationRecord extends RecordBase {
  readonly kind: 'migration';
  readonly phase: string;
  readonly round: number;
  readonly pages: number;
  readonly bytes: number;
  readonly detail: string;
}

export interface CheckpointMarkerRecord extends RecordBase {
  readonly kind: 'checkpoint';
  readonly ordinal: number;
}

export type TraceRecord =
  | AccessRecord
  | DmaRecord
  | TransitionRecord
  | InterruptRecord
  | DataRecord
  | HypervisorRecord
  | MigrationRecord
  | CheckpointMarkerRecord;

/** What `writer.event()` takes: a hypervisor action or a migration event (the migration issue adds fields). */
export type TraceEvent =
  | { readonly type: 'hypervisor'; readonly action: string; readonly device?: number; readonly detail?: string }
  | {
      readonly type: 'migration';
      readonly phase: string;
      readonly round?: number;
      readonly pages?: number;
      readonly bytes?: number;
      readonly detail?: string;
    };
