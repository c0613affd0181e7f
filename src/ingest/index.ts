// Public surface of the ingest stage; other stages and commands import from here.

export { createIngest, type Ingest, type IngestHealth, type IngestOptions, type IngestState, type IngestStatus, type ReceiverRequestClient, type StreamEndReason } from './ingest.js';
export type { IngestConsumer, IngestItem } from './delivery-queue.js';
export { defaultDispatcherFactory, receiverClients, type DispatcherFactory } from './receiver-clients.js';
export { readBodyText, type ReceiverHttp } from './receiver-http.js';
export { DEVICE_LIST_PATH, ReceiverDirectory, deviceListAccounts, readSavedDeviceList, type DirectoryDevice, type RefreshOutcome } from './device-directory.js';
export { parseResponseStatus, type ResponseStatusInfo } from './receiver-status.js';
export { INGEST_DEFAULTS, directoryCachePathFor, type IngestSettings } from './settings.js';
export type { LinkState } from './link-supervisor.js';
export { AuthGuard, type LockInfo } from './auth-guard.js';
export { decodeEventDocument, normalizeDocument, type DecodedDocument, type MediaUrl, type VendorEvent } from './vendor-event.js';
export { LayeredAccountDirectory, StaticAccountDirectory, normalizeAccount, type AccountDirectory } from './account-directory.js';
export type { RefusalKind } from './receiver-status.js';
