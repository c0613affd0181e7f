// The control API's routes and request bodies (docs/panel-control.md §9), as pure functions: a
// method and path to a route with the role it needs, a JSON body to a command, and the fingerprint
// that tells a repeated request from a different one under the same idempotency key.

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { HikArcError } from '../errors.js';
import { canonicalJson } from './audit-chain.js';
import {
  ARM_MODES,
  checkIdList,
  checkPartition,
  DEACTIVATION_MODES,
  MAX_OPERATOR_CHARS,
  MAX_REASON_CHARS,
  parsePartition,
  ROLE_OF_ACTION,
  type ControlCommand,
  type Role,
} from './commands.js';

export type PartitionAction = 'arm' | 'disarm' | 'clear-alarm';

export type Route =
  | { readonly kind: 'status' | 'zones' | 'peripherals'; readonly panelId: string }
  | { readonly kind: 'partition'; readonly panelId: string; readonly partition: string; readonly action: PartitionAction }
  | { readonly kind: 'bypass' | 'deactivate' | 'relays'; readonly panelId: string }
  | { readonly kind: 'command'; readonly commandId: string }
  | { readonly kind: 'audit' };

export type RouteMatch =
  | { readonly kind: 'route'; readonly route: Route }
  | { readonly kind: 'method-not-allowed'; readonly allow: string }
  | { readonly kind: 'not-found' };

const READ_ROUTES = /^\/v1\/panels\/([^/]+)\/(status|zones|peripherals)$/;
const PARTITION_ROUTE = /^\/v1\/panels\/([^/]+)\/partitions\/([^/]+)\/(arm|disarm|clear-alarm)$/;
const ZONE_ROUTE = /^\/v1\/panels\/([^/]+)\/zones\/(bypass|deactivate)$/;
const RELAY_ROUTE = /^\/v1\/panels\/([^/]+)\/relays$/;
const COMMAND_ROUTE = /^\/v1\/commands\/([^/]+)$/;

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function expect(method: string, wanted: 'GET' | 'POST', route: Route): RouteMatch {
  return method === wanted ? { kind: 'route', route } : { kind: 'method-not-allowed', allow: wanted };
}

export function matchRoute(method: string, path: string): RouteMatch {
  if (path === '/v1/audit') return expect(method, 'GET', { kind: 'audit' });
  let match = COMMAND_ROUTE.exec(path);
  if (match !== null) {
    const commandId = decode(match[1] as string);
    return commandId === undefined ? { kind: 'not-found' } : expect(method, 'GET', { kind: 'command', commandId });
  }
  match = READ_ROUTES.exec(path) ?? PARTITION_ROUTE.exec(path) ?? ZONE_ROUTE.exec(path) ?? RELAY_ROUTE.exec(path);
  if (match === null) return { kind: 'not-found' };
  const panelId = decode(match[1] as string);
  if (panelId === undefined || panelId.trim() === '') return { kind: 'not-found' };
  if (READ_ROUTES.test(path)) return expect(method, 'GET', { kind: match[2] as 'status' | 'zones' | 'peripherals', panelId });
  if (PARTITION_ROUTE.test(path))
    return expect(method, 'POST', { kind: 'partition', panelId, partition: decode(match[2] as string) ?? '', action: match[3] as PartitionAction });
  if (ZONE_ROUTE.test(path)) return expect(method, 'POST', { kind: match[2] as 'bypass' | 'deactivate', panelId });
  return expect(method, 'POST', { kind: 'relays', panelId });
}

const common = {
  operator: z.string().min(1).max(MAX_OPERATOR_CHARS),
  reason: z.string().min(1).max(MAX_REASON_CHARS),
  idempotencyKey: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1 to 128 letters, digits, dots, dashes, colons or underscores')
    .optional(),
};

const BODIES = {
  arm: z.strictObject({ ...common, mode: z.enum(ARM_MODES) }),
  disarm: z.strictObject(common),
  'clear-alarm': z.strictObject(common),
  bypass: z.strictObject({ ...common, zones: z.array(z.number().int()), restore: z.boolean().optional() }),
  deactivate: z.strictObject({ ...common, zones: z.array(z.number().int()), mode: z.enum(DEACTIVATION_MODES), permanent: z.boolean().optional() }),
  relays: z.strictObject({ ...common, relays: z.array(z.number().int()), on: z.boolean() }),
} as const;

export interface CommandRequest {
  readonly panelId: string;
  readonly command: ControlCommand;
  readonly operator: string;
  readonly reason: string;
  readonly idempotencyKey: string | undefined;
}

function invalid(message: string): HikArcError {
  return new HikArcError('HIKARC_CONTROL_INVALID_REQUEST', message);
}

function parseBody<T extends z.ZodType>(shape: T, body: unknown): z.infer<T> {
  const parsed = shape.safeParse(body);
  if (!parsed.success) throw invalid(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '));
  return parsed.data;
}

/** The command a POST asks for; throws HIKARC_CONTROL_INVALID_REQUEST. */
export function commandRequest(route: Extract<Route, { kind: 'partition' | 'bypass' | 'deactivate' | 'relays' }>, body: unknown): CommandRequest {
  let command: ControlCommand;
  let fields: { operator: string; reason: string; idempotencyKey?: string | undefined };
  switch (route.kind) {
    case 'partition': {
      const partition = checkPartition(parsePartition(route.partition));
      if (route.action === 'arm') {
        const parsed = parseBody(BODIES.arm, body);
        command = { action: 'arm', partition, mode: parsed.mode };
        fields = parsed;
      } else {
        fields = parseBody(BODIES[route.action], body);
        command = { action: route.action, partition };
      }
      break;
    }
    case 'bypass': {
      const parsed = parseBody(BODIES.bypass, body);
      command = { action: parsed.restore === true ? 'bypass-restore' : 'bypass', zones: checkIdList(parsed.zones, 'zones') };
      fields = parsed;
      break;
    }
    case 'deactivate': {
      const parsed = parseBody(BODIES.deactivate, body);
      command = { action: 'deactivate', zones: checkIdList(parsed.zones, 'zones'), mode: parsed.mode, permanent: parsed.permanent === true };
      fields = parsed;
      break;
    }
    case 'relays': {
      const parsed = parseBody(BODIES.relays, body);
      command = { action: 'relay', relays: checkIdList(parsed.relays, 'relays'), on: parsed.on };
      fields = parsed;
      break;
    }
  }
  return { panelId: route.panelId, command, operator: fields.operator, reason: fields.reason, idempotencyKey: fields.idempotencyKey };
}

/** The role a request needs: read, or the command's own. */
export function roleFor(command: ControlCommand | undefined): Role {
  return command === undefined ? 'read' : ROLE_OF_ACTION[command.action];
}

/** Same fingerprint, same request: a replay. The panel id is as the client wrote it. */
export function requestFingerprint(request: CommandRequest): string {
  return createHash('sha256')
    .update(canonicalJson({ panelId: request.panelId, command: request.command, operator: request.operator, reason: request.reason }))
    .digest('hex');
}
