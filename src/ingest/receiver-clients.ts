// The two HTTP clients every user of the receiver needs: one for the never-ending event stream and
// one for everything else (an undici Client serves one request at a time, so the device list and
// the unsubscribe must not queue behind the stream). Both share one lockout guard.

import { Client, type Dispatcher } from 'undici';
import { sleep, type Clock } from '../clock.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import type { MetricsRegistry } from '../metrics.js';
import { AuthGuard } from './auth-guard.js';
import { ReceiverHttp } from './receiver-http.js';

export type DispatcherFactory = (origin: string, purpose: 'stream' | 'control') => Dispatcher;

export const defaultDispatcherFactory: DispatcherFactory = (origin) => new Client(origin, { pipelining: 1 });

/** receiver.url parsed; nothing can run without it. */
export function receiverUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new ConfigError('HIKARC_CONFIG_MISSING', ['receiver.url: the URL of the Hik IP Receiver Pro is needed']);
  }
}

export interface ReceiverClientsOptions {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly authRetryMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly dispatcherFactory?: DispatcherFactory | undefined;
  /** A guard shared with other clients of the same receiver (media downloads); else a new one. */
  readonly guard?: AuthGuard | undefined;
}

export interface ReceiverClients {
  /** Path prefix of receiver.url, usually empty. */
  readonly basePath: string;
  readonly guard: AuthGuard;
  readonly stream: ReceiverHttp;
  readonly control: ReceiverHttp;
  /** Closes both connections gracefully, destroying them if that takes longer than `withinMs`. */
  close(withinMs: number): Promise<void>;
}

export function receiverClients(options: ReceiverClientsOptions): ReceiverClients {
  const url = receiverUrl(options.url);
  const factory = options.dispatcherFactory ?? defaultDispatcherFactory;
  const dispatchers = [factory(url.origin, 'stream'), factory(url.origin, 'control')] as const;
  const guard = options.guard ?? new AuthGuard(options.authRetryMs);
  const common = {
    guard,
    credentials: { username: options.username, password: options.password },
    clock: options.clock,
    logger: options.logger,
    metrics: options.metrics,
  };
  return {
    basePath: url.pathname.replace(/\/+$/, ''),
    guard,
    stream: new ReceiverHttp({ ...common, dispatcher: dispatchers[0] }),
    control: new ReceiverHttp({ ...common, dispatcher: dispatchers[1] }),
    async close(withinMs) {
      const timer = new AbortController();
      const closed = Promise.all(dispatchers.map((dispatcher) => dispatcher.close().catch(() => undefined))).then(() => true);
      const inTime = await Promise.race([closed, sleep(options.clock, withinMs, timer.signal).then(() => false)]);
      timer.abort();
      if (!inTime) await Promise.all(dispatchers.map((dispatcher) => dispatcher.destroy().catch(() => undefined)));
    },
  };
}
