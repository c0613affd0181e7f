// Public surface of the ingest stage; other stages and commands import from here.
export { createIngest } from './ingest.js';
export { defaultDispatcherFactory, receiverClients } from './receiver-clients.js';
export { readBodyText } from './receiver-http.js';
export { DEVICE_LIST_PATH } from './device-directory.js';
export { parseResponseStatus } from './receiver-status.js';
export { INGEST_DEFAULTS, directoryCachePathFor } from './settings.js';
export { AuthGuard } from './auth-guard.js';
export { decodeEventDocument, normalizeDocument } from './vendor-event.js';
export { LayeredAccountDirectory, StaticAccountDirectory, normalizeAccount } from './account-directory.js';
