// The settings each stage is tuned by, derived from the one config. The stages define what they
// need (in their own units, milliseconds mostly) and know nothing of the config; this is the one
// place that maps keys to them.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RECONNECT_BACKOFF } from '../backoff.js';
import { loadTokens } from '../control/api-tokens.js';
import { ConfigError, errorMessage } from '../errors.js';
import { DEFAULT_MAX_PART_BYTES } from '../ingest/multipart-parser.js';
import { directoryCachePathFor, INGEST_DEFAULTS } from '../ingest/settings.js';
import { MEDIA_DEFAULTS } from '../media/media-settings.js';
const SECOND_MS = 1000;
const HOUR_MS = 3_600_000;
const MB = 1024 * 1024;
function caPem(file) {
    if (file === '')
        return null;
    try {
        return readFileSync(file, 'utf8');
    }
    catch (error) {
        throw new ConfigError('HIKARC_CONFIG_INVALID', [`receiver.caFile: cannot be read: ${errorMessage(error)}`]);
    }
}
export function ingestSettingsFromConfig(config) {
    const { receiver } = config;
    return {
        url: receiver.url,
        username: receiver.username,
        password: receiver.password,
        account: receiver.account,
        accounts: config.accounts,
        heartbeatTimeoutMs: receiver.heartbeatTimeoutSec * SECOND_MS,
        authRetryMs: receiver.authRetrySec * SECOND_MS,
        linkLossReportMs: receiver.linkLossReportSec * SECOND_MS,
        directoryRefreshMs: receiver.directoryRefreshSec * SECOND_MS,
        reconnectBackoff: RECONNECT_BACKOFF,
        maxPartBytes: DEFAULT_MAX_PART_BYTES,
        directoryCachePath: directoryCachePathFor(config.store.path),
        caPem: caPem(receiver.caFile),
        certFingerprint: receiver.certFingerprint === '' ? null : receiver.certFingerprint,
        ...INGEST_DEFAULTS,
    };
}
/** Whether `hik-arc run` needs the media stage at all: a link endpoint, or the archive. */
export function mediaEnabled(config) {
    return config.media.listen !== '' || config.media.archive;
}
/** media.dir, or a `media` folder next to the store file. */
export function mediaDir(config) {
    return config.media.dir !== '' ? config.media.dir : join(dirname(config.store.path), 'media');
}
export function mediaSettingsFromConfig(config) {
    const { media, receiver } = config;
    return {
        listen: media.listen,
        publicUrl: media.publicUrl,
        tls: media.tlsCert !== '' && media.tlsKey !== '' ? { certFile: media.tlsCert, keyFile: media.tlsKey } : null,
        secret: media.secret,
        linkTtlMs: media.linkTtlHours * HOUR_MS,
        archive: media.archive,
        dir: mediaDir(config),
        storePath: config.store.path,
        retentionMs: media.retentionDays * 24 * HOUR_MS,
        maxDiskBytes: media.maxDiskMB * MB,
        maxFileBytes: media.maxFileMB * MB,
        maxConcurrent: media.maxConcurrent,
        fetchTimeoutMs: media.fetchTimeoutSec * SECOND_MS,
        receiver: { url: receiver.url, username: receiver.username, password: receiver.password, authRetryMs: receiver.authRetrySec * SECOND_MS },
        ...MEDIA_DEFAULTS,
    };
}
export function controlSettingsFromConfig(config) {
    const { control } = config;
    return {
        requestTimeoutMs: control.requestTimeoutSec * SECOND_MS,
        confirmTimeoutMs: control.confirmTimeoutSec * SECOND_MS,
        statusCacheMs: control.statusCacheSec * SECOND_MS,
        requestsPerMinute: control.requestsPerMinute,
        eventZoneOffset: control.eventZoneOffset,
    };
}
export function controlServiceSettingsFromConfig(config) {
    const { control } = config;
    return {
        storePath: config.store.path,
        listen: controlApiConfigured(config) ? control.listen : '',
        tls: control.tlsCertFile === '' ? null : { certFile: control.tlsCertFile, keyFile: control.tlsKeyFile },
        control: controlSettingsFromConfig(config),
    };
}
export function controlApiConfigured(config) {
    return config.control.enabled && config.control.listen !== '';
}
/** The API's tokens when the API is configured, else null; throws ConfigError (exit 78). */
export function controlTokens(config) {
    return controlApiConfigured(config) ? loadTokens(config.control.tokensFile) : null;
}
