// @erpbridge/domain/sync: the source-agnostic sync engine, its Source/Connector port and the service that runs it.
export { contentHash } from "./canonical.js";
export { SourceFatalError, StreamSync, SyncStoppedError, type PageCounts, type StreamCursor, type SyncWindow } from "./engine.js";
export {
  upsertRecordVersions, type RecordScope, type RecordVersionInput, type RecordVersionOutcome, type RecordVersionResult,
} from "./record-store.js";
export type {
  ClassifiedFailure, Connector, FailureKind, JobDeclaration, ListRequest, Source, SourcePage, SourceRow, SourceWindow, StreamDeclaration,
} from "./source.js";
export {
  defaultSyncSettings, SyncAlreadyRunningError, SyncService, syncRequestSchema,
  type StartedRun, type SyncRequest, type SyncServiceOptions, type SyncSettings,
} from "./sync-service.js";
