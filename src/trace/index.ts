/** The trace layer: writer, reader, export/import, transitions, page hashes. */
export { TraceWriter, describeDevices, sha256 } from './writer.js';
export type {
  CheckpointInput,
  CheckpointWritten,
  DeviceDescriptor,
  TraceEndInit,
  TraceHeaderInit,
  TraceWriterOptions,
} from './writer.js';
export { TraceReader } from './reader.js';
export type { CheckpointRecord, RecordFilter, TraceHeaderInfo, TraceStatus } from './reader.js';
export { exportTrace, importTrace, parseExport, EXPORT_MAGIC } from './export.js';
export { DeviceTransitionTracker } from './transitions.js';
export type { TrackedDevice, TransitionSink } from './transitions.js';
export { PageHashMap, comparePageHashes, hashPage, isZeroPage } from './pages.js';
export type { CheckpointMemory, DirtyLogClient } from './pages.js';
export { isTraceLocked } from './store.js';
export {
  DEFAULT_CHECKPOINT_INTERVAL,
  DEFAULT_CHUNK_RECORDS,
  FORMAT_MAJOR,
  FORMAT_MINOR,
  KIND_CLASSES,
  TRACE_MAGIC,
  type RecordKind,
} from './format.js';
export * from './records.js';
