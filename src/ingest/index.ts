// Public surface of the ingest stage; other stages and commands import from here.

export {
  createIngest,
  type Ingest,
  type IngestHealth,
  type IngestOptions,
  type IngestState,
  type IngestStatus,
  type HikRequestClient,
  type StreamEndReason,
} from './ingest.js';
export type { IngestConsumer, IngestItem } from './delivery-queue.js';
export { defaultDispatcherFactory, hikClients, type DispatcherFactory } from './hik-clients.js';
export { readBodyText, type HikHttp } from './hik-http.js';
export {
  DEVICE_LIST_PATH,
  HikDeviceDirectory,
  deviceListAccounts,
  readSavedDeviceList,
  type DirectoryDevice,
  type RefreshOutcome,
} from './device-directory.js';
export { parseResponseStatus, type ResponseStatusInfo } from './hik-status.js';
export { INGEST_DEFAULTS, directoryCachePathFor, type IngestSettings } from './settings.js';
export type { LinkState } from './link-supervisor.js';
export { AuthGuard, type LockInfo } from './auth-guard.js';
export { decodeEventDocument, normalizeDocument, type DecodedDocument, type MediaUrl, type VendorEvent } from './vendor-event.js';
export { LayeredAccountDirectory, StaticAccountDirectory, normalizeAccount, type AccountDirectory } from './account-directory.js';
export type { RefusalKind } from './hik-status.js';
