// The control API of `hik-arc run` (docs/panel-control.md §9): bearer tokens with roles, one JSON
// object per answer, and an idempotency key on every command so a client that retries after a
// lost answer gets the first command's record instead of a second command. Loopback, or HTTPS.
// Separate from /healthz and /metrics, which never change state.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../clock.js';
import { ConfigError, errorMessage, HikArcError, isHikArcError, type ErrorCode } from '../errors.js';
import { closeServer, listenOn } from '../http-listen.js';
import type { Logger } from '../log.js';
import type { Counter, MetricsRegistry } from '../metrics.js';
import { RateLimitedLog } from '../rate-limited-log.js';
import { commandRequest, matchRoute, requestFingerprint, roleFor, type Route } from './api-routes.js';
import { authenticate, type ApiToken } from './api-tokens.js';
import { httpStatusOf, httpStatusOfCode } from './command-record.js';
import { checkActor } from './commands.js';
import type { ControlStore } from './control-store.js';
import { statusJson, type PanelControl } from './panel-control.js';
import { zoneView } from './panel-status.js';

export interface ControlApiOptions {
  /** `host:port`; port 0 picks a free port (tests). */
  readonly listen: string;
  readonly tls: { readonly certFile: string; readonly keyFile: string } | null;
  readonly tokens: readonly ApiToken[];
  readonly control: PanelControl;
  readonly store: ControlStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
}

export interface RunningControlApi {
  readonly address: AddressInfo;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024;
const DAY_MS = 24 * 3600 * 1000;
const MAX_AUDIT_ENTRIES = 10_000;

class ApiError extends HikArcError {
  override readonly name = 'ApiError';

  constructor(
    code: ErrorCode,
    message: string,
    /** Overrides the status of the code (a route or command that does not exist). */
    readonly status?: number,
  ) {
    super(code, message);
  }
}

function apiError(code: ErrorCode, message: string, status?: number): ApiError {
  return new ApiError(code, message, status);
}

function readJsonBody(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(apiError('HIKARC_CONTROL_INVALID_REQUEST', `the request body is larger than ${MAX_BODY_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text.trim() === '' ? {} : (JSON.parse(text) as unknown));
      } catch (error) {
        reject(apiError('HIKARC_CONTROL_INVALID_REQUEST', `the request body is not JSON: ${errorMessage(error)}`));
      }
    });
    request.on('error', reject);
  });
}

function readPem(file: string, key: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ConfigError('HIKARC_CONFIG_UNREADABLE', [`${key}: cannot read ${file}: ${errorMessage(error)}`]);
  }
}

class ControlApi {
  private readonly requests: Counter;
  private readonly limited: RateLimitedLog;

  constructor(private readonly options: ControlApiOptions) {
    this.requests = options.metrics.counter('hik_arc_control_api_requests_total', 'Control API requests by route and HTTP status', ['route', 'status']);
    this.limited = new RateLimitedLog({ logger: options.logger, clock: options.clock });
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://control');
    const match = matchRoute(request.method ?? 'GET', url.pathname);
    const routeName = match.kind === 'route' ? match.route.kind : match.kind;
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      this.requests.inc({ route: routeName, status: String(status) });
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }).end(`${JSON.stringify(body)}\n`);
    };
    try {
      if (match.kind === 'not-found') throw apiError('HIKARC_CONTROL_INVALID_REQUEST', 'no such route; see the README, "Panel control"', 404);
      if (match.kind === 'method-not-allowed') {
        send(405, { code: 'HIKARC_CONTROL_INVALID_REQUEST', message: `use ${match.allow}` }, { allow: match.allow });
        return;
      }
      const token = authenticate(request.headers.authorization, this.options.tokens);
      if (token === undefined) {
        this.limited.warn(
          'HIKARC_CONTROL_UNAUTHORIZED',
          { remote: request.socket.remoteAddress ?? null, route: routeName },
          'control API request without a valid token',
        );
        send(
          401,
          { code: 'HIKARC_CONTROL_UNAUTHORIZED', message: 'a valid Authorization: Bearer token is required' },
          { 'www-authenticate': 'Bearer realm="hik-arc control"' },
        );
        return;
      }
      const { status, body, headers } = await this.answer(match.route, token, request, url);
      send(status, body, headers);
    } catch (error) {
      const code: ErrorCode = isHikArcError(error) ? error.code : 'HIKARC_CONTROL_BAD_ANSWER';
      const status = error instanceof ApiError && error.status !== undefined ? error.status : isHikArcError(error) ? httpStatusOfCode(code) : 500;
      if (status >= 500) this.options.logger.error({ code, err: errorMessage(error), route: routeName }, 'control API request failed');
      send(status, { code, message: errorMessage(error), ...(isHikArcError(error) && error.detail !== undefined ? { detail: error.detail } : {}) });
    }
  }

  private forbidden(token: ApiToken, role: string): ApiError {
    this.limited.warn('HIKARC_CONTROL_FORBIDDEN', { tokenName: token.name, role }, 'control API token lacks the role for a request');
    return apiError('HIKARC_CONTROL_FORBIDDEN', `token "${token.name}" lacks the role "${role}"`);
  }

  private async answer(
    route: Route,
    token: ApiToken,
    request: IncomingMessage,
    url: URL,
  ): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    const { control, store, clock } = this.options;
    if (route.kind === 'partition' || route.kind === 'bypass' || route.kind === 'deactivate' || route.kind === 'relays') {
      const body = await readJsonBody(request);
      const parsed = commandRequest(route, body);
      const role = roleFor(parsed.command);
      if (!token.roles.has(role)) throw this.forbidden(token, role);
      const header = request.headers['idempotency-key'];
      const key = parsed.idempotencyKey ?? (typeof header === 'string' ? header : undefined);
      if (key === undefined || !/^[A-Za-z0-9._:-]{1,128}$/.test(key))
        throw apiError(
          'HIKARC_CONTROL_INVALID_REQUEST',
          'an idempotencyKey (body) or Idempotency-Key header of 1 to 128 letters, digits, dots, dashes, colons or underscores is required',
        );
      const actor = checkActor(parsed.operator, parsed.reason, { via: 'api', tokenName: token.name });
      const panel = await control.resolve(parsed.panelId);
      const commandId = randomUUID();
      const claim = store.claimIdempotencyKey(token.name, key, requestFingerprint(parsed), commandId, clock.now());
      if (claim.kind === 'conflict')
        throw apiError('HIKARC_CONTROL_IDEMPOTENCY_CONFLICT', `idempotency key "${key}" was used for a different request (command ${claim.commandId})`);
      if (claim.kind === 'replay') {
        // Never a second command: the first one's record as it stands now.
        const record = store.latest(claim.commandId)?.command;
        const headers = { 'idempotent-replay': 'true', location: `/v1/commands/${claim.commandId}` };
        return record === undefined
          ? { status: 202, body: { commandId: claim.commandId, state: 'requested' }, headers }
          : { status: httpStatusOf(record), body: record, headers };
      }
      const submitted = await control.submit(panel, parsed.command, actor, commandId);
      return { status: httpStatusOf(submitted.record), body: submitted.record, headers: { location: `/v1/commands/${commandId}` } };
    }
    if (!token.roles.has('read')) throw this.forbidden(token, 'read');
    switch (route.kind) {
      case 'status':
        return { status: 200, body: statusJson(await control.status(await control.resolve(route.panelId))) };
      case 'zones': {
        const panel = await control.resolve(route.panelId);
        return { status: 200, body: { panel, zones: (await control.zones(panel)).map(zoneView) } };
      }
      case 'peripherals': {
        const panel = await control.resolve(route.panelId);
        return { status: 200, body: { panel, peripherals: await control.peripherals(panel) } };
      }
      case 'command': {
        const record = control.commandRecord(route.commandId);
        if (record === undefined) throw apiError('HIKARC_CONTROL_INVALID_REQUEST', `no command ${route.commandId} in the audit trail`, 404);
        return { status: 200, body: record };
      }
      case 'audit': {
        const sinceText = url.searchParams.get('since');
        const since = sinceText === null ? clock.now() - DAY_MS : Date.parse(sinceText);
        if (Number.isNaN(since)) throw apiError('HIKARC_CONTROL_INVALID_REQUEST', `since must be an ISO 8601 time, not "${sinceText ?? ''}"`);
        return { status: 200, body: { chain: store.verify(), entries: store.entries({ since: new Date(since).toISOString(), limit: MAX_AUDIT_ENTRIES }) } };
      }
    }
  }
}

export async function startControlApi(options: ControlApiOptions): Promise<RunningControlApi> {
  const api = new ControlApi(options);
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    api.handle(request, response).catch((error: unknown) => {
      options.logger.error({ err: errorMessage(error) }, 'control API handler failed');
      if (!response.headersSent) response.writeHead(500).end();
    });
  };
  const server: Server =
    options.tls === null
      ? createHttpServer(handler)
      : createHttpsServer({ cert: readPem(options.tls.certFile, 'control.tlsCertFile'), key: readPem(options.tls.keyFile, 'control.tlsKeyFile') }, handler);
  server.keepAliveTimeout = 5_000;
  // A command may wait for the receiver (control.requestTimeoutSec) and for its status read back.
  server.requestTimeout = 0;
  const address = await listenOn(server, options.listen, { what: 'the control API', setting: 'control.listen' });
  options.logger.info({ address: `${address.address}:${address.port}`, tls: options.tls !== null, tokens: options.tokens.length }, 'control API listening');
  return { address, close: () => closeServer(server) };
}
