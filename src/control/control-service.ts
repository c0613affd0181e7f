// Panel control inside `hik-arc run`, on with control.enabled: the panel events on the receiver
// stream confirm commands (the API's, and those of `hik-arc panel`, through the audit trail), and
// the control API serves on control.listen. Every request goes through ingest's receiver client
// (one Digest client, one lock-out guard).

import type { Clock } from '../clock.js';
import { errorMessage } from '../errors.js';
import type { HikRequestClient } from '../ingest/index.js';
import type { Logger } from '../log.js';
import type { MetricsRegistry } from '../metrics.js';
import type { VendorEvent } from '../ingest/index.js';
import type { ApiToken } from './api-tokens.js';
import { startControlApi, type RunningControlApi } from './control-api.js';
import { ControlStore } from './control-store.js';
import { PanelControl, type ControlSettings } from './panel-control.js';

export interface RunningControl {
  /** `host:port` of the control API; null when control.listen is empty. */
  readonly address: string | null;
  /** The stream tap: hands a vendor event to the commands waiting for their confirmation. */
  observe(event: VendorEvent, receivedAt: number): void;
  stop(): Promise<void>;
}

/** What panel control in `hik-arc run` is built from (config/stage-settings.ts derives it). */
export interface ControlServiceSettings {
  readonly storePath: string;
  /** The control API's address; empty: no API (stream confirmations only). */
  readonly listen: string;
  readonly tls: { readonly certFile: string; readonly keyFile: string } | null;
  readonly control: ControlSettings;
}

export interface ControlServiceOptions {
  readonly settings: ControlServiceSettings;
  /** From controlTokens(), read before the service opens anything; null: no API. */
  readonly tokens: readonly ApiToken[] | null;
  readonly receiver: HikRequestClient;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
}

export async function startControl(options: ControlServiceOptions): Promise<RunningControl> {
  const { settings, clock, logger, metrics, tokens } = options;
  const store = new ControlStore({ path: settings.storePath });
  const control = new PanelControl({
    http: options.receiver.http,
    basePath: options.receiver.basePath,
    store,
    settings: settings.control,
    confirmBy: 'events',
    clock,
    logger,
    metrics,
  });
  let api: RunningControlApi | null = null;
  try {
    if (tokens !== null) {
      api = await startControlApi({
        listen: settings.listen,
        tls: settings.tls,
        tokens,
        control,
        store,
        clock,
        logger,
        metrics,
      });
    }
  } catch (error) {
    store.close();
    throw error;
  }
  return {
    address: api === null ? null : `${api.address.address}:${api.address.port}`,
    observe(event, receivedAt) {
      // A defect here must never cost an alarm its way to the ARC.
      try {
        control.observe(event, receivedAt);
      } catch (error) {
        logger.error({ err: errorMessage(error), eventType: event.eventType }, 'control confirmation tap failed; the event goes on to the ARC');
      }
    },
    async stop() {
      await api?.close();
      await control.stop();
      store.close();
    },
  };
}
