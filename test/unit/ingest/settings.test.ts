import { describe, expect, it } from 'vitest';
import { RECONNECT_BACKOFF } from '../../../src/backoff.js';
import { loadConfig } from '../../../src/config/load.js';
import { ingestSettingsFromConfig } from '../../../src/config/stage-settings.js';

describe('ingestSettingsFromConfig', () => {
  it('turns the receiver.* seconds into milliseconds and keeps the documented defaults', () => {
    const config = loadConfig({
      env: {
        HIK_ARC_RECEIVER_URL: 'http://10.0.0.5:80',
        HIK_ARC_RECEIVER_USERNAME: 'admin',
        HIK_ARC_RECEIVER_PASSWORD: 'secret',
        HIK_ARC_RECEIVER_ACCOUNT: 'aaaa',
        HIK_ARC_ACCOUNTS: '{"dev-1":"1234"}',
      },
    });
    const settings = ingestSettingsFromConfig(config);
    expect(settings).toMatchObject({
      url: 'http://10.0.0.5:80',
      username: 'admin',
      password: 'secret',
      account: 'AAAA',
      accounts: { 'dev-1': '1234' },
      heartbeatTimeoutMs: 30_000,
      authRetryMs: 600_000,
      linkLossReportMs: 60_000,
      directoryRefreshMs: 300_000,
      unknownDeviceRefreshMinMs: 60_000,
      reconnectBackoff: RECONNECT_BACKOFF,
    });
  });

  it('follows the configured values', () => {
    const config = loadConfig({ env: { HIK_ARC_RECEIVER_HEARTBEAT_TIMEOUT_SEC: '45', HIK_ARC_RECEIVER_AUTH_RETRY_SEC: '900' } });
    expect(ingestSettingsFromConfig(config)).toMatchObject({ heartbeatTimeoutMs: 45_000, authRetryMs: 900_000 });
  });
});
