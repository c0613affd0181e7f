// Public surface of the ingest stage; other stages and commands import from here.

export { createIngest, type Ingest, type IngestHealth, type IngestOptions, type IngestState, type IngestStatus, type StreamEndReason } from './ingest.js';
export type { IngestConsumer, IngestItem } from './delivery-queue.js';
export { defaultDispatcherFactory, type DispatcherFactory } from './receiver-clients.js';
export { ingestSettingsFromConfig, INGEST_DEFAULTS, type IngestSettings } from './settings.js';
export type { LinkState } from './link-supervisor.js';
export { AuthGuard, type LockInfo } from './auth-guard.js';
export type { RefusalKind } from './receiver-status.js';
