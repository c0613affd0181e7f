// The fake receiver's SecurityCP side (guide chapter 6, 7.5-7.14): panels with partitions, zones
// and relays that change when commanded and report the change as a CIDAlarm event on the
// subscription stream (Appendix D.1 codes), and the faults the control tests need: canned answers
// (lowPrivilege, ErrorList, broken JSON, empty 200), no answer or a reset after the request was
// read (with or without the panel having acted), a delayed answer, arming failed after a 200, the
// all-partitions id unknown, zone paging with MORE, and a zone status that answers only GET or POST.

import type { IncomingMessage, ServerResponse } from 'node:http';

export interface FakePartition {
  readonly id: number;
  arming: 'disarm' | 'away' | 'stay' | 'arming';
  alarm: boolean;
  enabled?: boolean;
}

export interface FakeZone {
  readonly id: number;
  readonly name: string;
  status: 'online' | 'trigger' | 'breakDown' | 'offline' | 'heartbeatAbnormal' | 'notRelated';
  alarm: boolean;
  bypassed: boolean;
  armed: boolean;
  readonly partition: number;
  /** false: the panel refuses to bypass it (an ErrorList entry). */
  readonly bypassable?: boolean;
  oneTimeDeactivationMode?: string;
  deactivationMode?: string;
}

export interface FakeRelay {
  readonly id: number;
  readonly name: string;
  status: 'on' | 'off';
}

export interface FakePanel {
  readonly devIndex: string;
  readonly account: string;
  readonly serial: string;
  readonly name: string;
  readonly otap?: boolean;
  online?: boolean;
  readonly partitions: FakePartition[];
  readonly zones: FakeZone[];
  readonly relays: FakeRelay[];
}

/** When the panel's event reaches the stream, relative to the HTTP answer. */
export type ConfirmationTiming = 'after-answer' | 'before-answer' | 'never' | { readonly delayMs: number };

export type ControlFault =
  /** This status and body instead of the normal answer; `apply`: the panel still carries it out. */
  | { readonly type: 'answer'; readonly status: number; readonly body: string; readonly apply?: boolean }
  /** The request is read and never answered. */
  | { readonly type: 'hang'; readonly apply?: boolean }
  /** The request is read, then the connection is destroyed. */
  | { readonly type: 'reset'; readonly apply?: boolean }
  /** The answer comes after `ms`. */
  | { readonly type: 'delay'; readonly ms: number }
  /** Arming is answered 200, then the panel reports 1822 arming failed and stays disarmed. */
  | { readonly type: 'arming-failed-after-200' };

export interface FakeSecurityCpOptions {
  readonly panels?: readonly FakePanel[];
  readonly confirmation?: ConfirmationTiming;
  /** `not-found`: 0xffffffff is answered 404 with an XML ResponseStatus, as some firmware does. */
  readonly allPartitionsId?: 'accepted' | 'not-found';
  /** Zones per page at most, whatever maxResults asks (MORE paging). */
  readonly zonePageLimit?: number;
  /** Which method the zone status answers (7.14 POST, chapter 6 GET). */
  readonly zoneStatusMethods?: 'both' | 'POST' | 'GET';
  /** Status documents written with the guide's defects: a missing and a trailing comma. */
  readonly malformedStatus?: boolean;
}

export interface SecurityCpHost {
  pushEvents(...documents: string[]): void;
  /** Events fully written to a stream so far. */
  delivered(): number;
}

const JSON_TYPE = { 'content-type': 'application/json' };
export const STATUS_OK = '{"statusCode":1,"statusString":"OK","subStatusCode":"ok"}';
// Appendix C bodies.
export const ANSWER_BODIES = {
  lowPrivilege: '{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"lowPrivilege","errorCode":1073741826,"errorMsg":"lowPrivilege"}',
  deviceOffline: '{"statusCode":2,"statusString":"Device Busy","subStatusCode":"networkError","errorCode":536870921,"errorMsg":"networkError"}',
  unknownDevice:
    '{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"theDeviceIdDoesNotExist","errorCode":1073746235,"errorMsg":"theDeviceIdDoesNotExist"}',
  armingRefused:
    '{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"interfaceOperationError","errorCode":1073745922,"errorMsg":"interfaceOperationError"}',
  notSupport: '{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"notSupport","errorCode":1073741825,"errorMsg":"notSupport"}',
  allPartitionsXml:
    '<?xml version="1.0" encoding="UTF-8"?><ResponseStatus version="1.0" xmlns="urn:psialliance-org"><requestURL>/ISAPI/SecurityCP/control/arm/0xffffffff</requestURL><statusCode>4</statusCode><statusString>Invalid Operation</statusString><subStatusCode>methodNotAllowed</subStatusCode></ResponseStatus>',
} as const;

export function makePanel(index: number, overrides: Partial<FakePanel> = {}): FakePanel {
  const n = String(index).padStart(4, '0');
  return {
    devIndex: `c0ffee00-${n}-4000-8000-${String(index).padStart(12, '0')}`,
    account: String(2000 + index),
    serial: `DS-PWA96-${n}`,
    name: `Site ${index}`,
    online: true,
    partitions: [
      { id: 1, arming: 'disarm', alarm: false, enabled: true },
      { id: 2, arming: 'disarm', alarm: false, enabled: true },
    ],
    zones: [0, 1, 2, 3, 4, 5].map((id) => ({
      id,
      name: `Zone ${id + 1}`,
      status: 'online' as const,
      alarm: false,
      bypassed: false,
      armed: false,
      partition: id < 4 ? 1 : 2,
    })),
    relays: [
      { id: 0, name: 'Gate', status: 'off' },
      { id: 1, name: 'Lights', status: 'off' },
    ],
    ...overrides,
  };
}

function breakJson(text: string): string {
  // The guide's own examples: a member without its comma, a trailing comma before the close.
  const at = text.indexOf(',"');
  const missing = at < 0 ? text : `${text.slice(0, at)}\n "${text.slice(at + 2)}`;
  return `${missing.slice(0, -1)},}`;
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly type?: string;
}

interface Effect {
  readonly answer: Answer;
  /** Events the change produces, in order. */
  readonly events: string[];
  readonly apply: () => void;
}

export class FakeSecurityCp {
  readonly panels: FakePanel[];
  private readonly faults: ControlFault[] = [];
  confirmation: ConfirmationTiming;
  /** Command requests (not status reads) answered, by path. */
  readonly commandLog: string[] = [];

  constructor(
    private readonly options: FakeSecurityCpOptions,
    private readonly host: SecurityCpHost,
  ) {
    this.panels = [...(options.panels ?? [])];
    this.confirmation = options.confirmation ?? 'after-answer';
  }

  queueFault(...faults: ControlFault[]): void {
    this.faults.push(...faults);
  }

  panel(devIndex: string): FakePanel | undefined {
    return this.panels.find((panel) => panel.devIndex.toLowerCase() === devIndex.toLowerCase());
  }

  /** Handles an authenticated /ISAPI/SecurityCP request. */
  async handle(method: string, url: string, body: string, response: ServerResponse, request: IncomingMessage): Promise<void> {
    const parsed = new URL(url, 'http://fake');
    const path = parsed.pathname.replace(/^\/ISAPI\/SecurityCP/, '');
    const panel = this.panel(parsed.searchParams.get('devIndex') ?? '');
    if (parsed.searchParams.get('format') !== 'json')
      return this.send(response, { status: 400, body: '{"statusCode":5,"statusString":"Invalid Message Format","subStatusCode":"badURLFormat"}' });
    if (panel === undefined) return this.send(response, { status: 400, body: ANSWER_BODIES.unknownDevice });
    if (path.startsWith('/status/')) return this.send(response, this.status(method, path, body, panel));
    if (!path.startsWith('/control/')) return this.send(response, { status: 404, body: ANSWER_BODIES.notSupport });
    this.commandLog.push(`${method} ${url}`);
    const fault = this.faults.shift();
    const effect =
      panel.online === false
        ? { answer: { status: 503, body: ANSWER_BODIES.deviceOffline }, events: [], apply: () => undefined }
        : this.command(method, path, parsed.searchParams, body, panel, fault);
    if (fault?.type === 'hang' || fault?.type === 'reset') {
      if (fault.apply === true) this.carryOut(effect, 'after-answer');
      if (fault.type === 'reset') request.socket.destroy();
      return; // a hung request is never answered; the connection closes with the fake
    }
    if (fault?.type === 'answer') {
      if (fault.apply === true) this.carryOut(effect, 'after-answer');
      return this.send(response, { status: fault.status, body: fault.body });
    }
    if (fault?.type === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    const ok = effect.answer.status >= 200 && effect.answer.status < 300;
    if (ok && this.confirmation === 'before-answer') {
      const target = this.host.delivered() + effect.events.length;
      this.carryOut(effect, 'before-answer');
      const deadline = Date.now() + 5000;
      while (this.host.delivered() < target && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setTimeout(resolve, 150)); // the client reads and handles the event first
    } else if (ok) this.carryOut(effect, this.confirmation);
    this.send(response, effect.answer);
  }

  private carryOut(effect: Effect, timing: ConfirmationTiming): void {
    effect.apply();
    if (timing === 'never' || effect.events.length === 0) return;
    const push = (): void => this.host.pushEvents(...effect.events);
    if (typeof timing === 'object') setTimeout(push, timing.delayMs);
    else if (timing === 'before-answer') push();
    else setTimeout(push, 20);
  }

  private send(response: ServerResponse, answer: Answer): void {
    response
      .writeHead(answer.status, { 'content-type': answer.type ?? (answer.body.startsWith('<') ? 'application/xml' : JSON_TYPE['content-type']) })
      .end(answer.body);
  }

  private event(panel: FakePanel, code: string, partition: number, zone: number): string {
    return JSON.stringify({
      EventNotificationAlert: {
        channelID: '1',
        dateTime: new Date().toISOString(),
        activePostCount: 1,
        eventType: 'CIDAlarm',
        eventState: 'active',
        eventDescription: 'CID Alarm',
        devIndex: panel.devIndex,
        channelName: panel.name,
        deviceID: panel.account,
        deviceSerial: panel.serial,
        // userType 2: a network user, i.e. the receiver's command.
        CIDAlarm: { subSys: partition, zoneNo: zone, CIDCode: code, CIDType: 6, CIDDescribe: code, CIDParam: `2,1,${zone},-1,-1,-1,-1,admin` },
      },
    });
  }

  private partitionsOf(panel: FakePanel, id: string): FakePartition[] | 'not-found' | undefined {
    if (id === '0xffffffff')
      return this.options.allPartitionsId === 'not-found' ? 'not-found' : panel.partitions.filter((partition) => partition.enabled !== false);
    const partition = panel.partitions.find((candidate) => String(candidate.id) === id);
    return partition === undefined ? undefined : [partition];
  }

  private command(method: string, path: string, query: URLSearchParams, body: string, panel: FakePanel, fault: ControlFault | undefined): Effect {
    const none = (answer: Answer): Effect => ({ answer, events: [], apply: () => undefined });
    const ok: Answer = { status: 200, body: STATUS_OK };
    const partitionCall = /^\/control\/(arm|disarm|clearAlarm)\/([^/]+)$/.exec(path);
    if (partitionCall !== null && method === 'PUT') {
      const [, action, id] = partitionCall as unknown as [string, string, string];
      const partitions = this.partitionsOf(panel, id);
      if (partitions === 'not-found') return none({ status: 404, body: ANSWER_BODIES.allPartitionsXml });
      if (partitions === undefined)
        return none({ status: 400, body: '{"statusCode":6,"statusString":"Invalid Content","subStatusCode":"badParameters","errorCode":1610612737}' });
      if (action === 'arm') {
        const mode = query.get('ways');
        if (mode !== 'away' && mode !== 'stay')
          return none({ status: 400, body: '{"statusCode":6,"statusString":"Invalid Content","subStatusCode":"badParameters"}' });
        const ids = partitions.map((partition) => partition.id);
        const open = panel.zones.filter((zone) => ids.includes(zone.partition) && !zone.bypassed && (zone.status === 'trigger' || zone.status === 'breakDown'));
        if (open.length > 0) return none({ status: 400, body: ANSWER_BODIES.armingRefused });
        if (fault?.type === 'arming-failed-after-200') {
          return { answer: ok, events: partitions.map((partition) => this.event(panel, '1822', partition.id, 0)), apply: () => undefined };
        }
        return {
          answer: ok,
          events: partitions.map((partition) => this.event(panel, mode === 'away' ? '3401' : '3441', partition.id, 0)),
          apply: () => {
            for (const partition of partitions) partition.arming = mode;
          },
        };
      }
      if (action === 'disarm') {
        return {
          answer: ok,
          events: partitions.map((partition) => this.event(panel, '1401', partition.id, 0)),
          apply: () => partitions.forEach((partition) => (partition.arming = 'disarm')),
        };
      }
      return {
        answer: ok,
        events: partitions.map((partition) => this.event(panel, '1406', partition.id, 0)),
        apply: () => {
          for (const partition of partitions) partition.alarm = false;
          for (const zone of panel.zones) if (partitions.some((partition) => partition.id === zone.partition)) zone.alarm = false;
        },
      };
    }
    const list = (): number[] => {
      const parsed = JSON.parse(body) as { List?: Array<{ id: number }>; OutputsCtrl?: { List?: Array<{ id: number }> } };
      return (parsed.List ?? parsed.OutputsCtrl?.List ?? []).map((entry) => entry.id);
    };
    const errorList = (ids: readonly number[]): Answer => ({
      status: 200,
      body: JSON.stringify({
        ErrorList: ids.map((id) => ({
          id: String(id),
          statusCode: 4,
          statusString: 'Invalid Operation',
          subStatusCode: 'notSupport',
          errorCode: 1073741825,
          errorMsg: 'notSupport',
        })),
      }),
    });
    if ((path === '/control/bypass' || path === '/control/bypassRecover') && method === 'PUT') {
      const restore = path === '/control/bypassRecover';
      const ids = list();
      const zones = panel.zones.filter((zone) => ids.includes(zone.id) && (restore || zone.bypassable !== false));
      const failed = ids.filter((id) => !zones.some((zone) => zone.id === id));
      return {
        answer: failed.length === 0 ? ok : errorList(failed),
        events: zones.map((zone) => this.event(panel, restore ? '3570' : '1570', zone.partition, zone.id + 1)),
        apply: () => zones.forEach((zone) => (zone.bypassed = !restore)),
      };
    }
    if (path === '/control/deactivation' && method === 'PUT') {
      const entries = (JSON.parse(body) as { List: Array<{ id: number; oneTimeDeactivationMode?: string; deactivationMode?: string }> }).List;
      const zones = entries.map((entry) => ({ entry, zone: panel.zones.find((zone) => zone.id === entry.id) })).filter((pair) => pair.zone !== undefined);
      return {
        answer: ok,
        events: zones.map(({ entry, zone }) => {
          const mode = entry.deactivationMode ?? entry.oneTimeDeactivationMode;
          const code = mode === 'off' ? '3571' : entry.deactivationMode !== undefined ? '1573' : '1571';
          return this.event(panel, code, zone?.partition ?? 0, (zone?.id ?? 0) + 1);
        }),
        apply: () => {
          for (const { entry, zone } of zones) {
            if (zone === undefined) continue;
            if (entry.deactivationMode !== undefined) zone.deactivationMode = entry.deactivationMode;
            if (entry.oneTimeDeactivationMode !== undefined) zone.oneTimeDeactivationMode = entry.oneTimeDeactivationMode;
          }
        },
      };
    }
    if (path === '/control/outputs' && method === 'POST') {
      if (panel.otap === true) return none({ status: 403, body: ANSWER_BODIES.notSupport });
      const parsed = JSON.parse(body) as { OutputsCtrl: { switch: string } };
      const ids = list();
      const relays = panel.relays.filter((relay) => ids.includes(relay.id));
      const failed = ids.filter((id) => !relays.some((relay) => relay.id === id));
      return {
        answer: failed.length === 0 ? ok : errorList(failed),
        events: [],
        apply: () => relays.forEach((relay) => (relay.status = parsed.OutputsCtrl.switch === 'open' ? 'on' : 'off')),
      };
    }
    return none({ status: 404, body: ANSWER_BODIES.notSupport });
  }

  private json(value: unknown): Answer {
    const text = JSON.stringify(value);
    return { status: 200, body: this.options.malformedStatus === true ? breakJson(text) : text };
  }

  private status(method: string, path: string, body: string, panel: FakePanel): Answer {
    if (panel.online === false) return { status: 503, body: ANSWER_BODIES.deviceOffline };
    if (path === '/status/subSystems' && method === 'GET') {
      if (panel.otap === true) return { status: 403, body: ANSWER_BODIES.notSupport };
      return this.json({
        SubSysList: panel.partitions.map((partition) => ({
          SubSys: { id: partition.id, arming: partition.arming, alarm: partition.alarm, enabled: partition.enabled ?? true },
        })),
      });
    }
    if (path === '/status/exDevStatus' && method === 'GET') {
      if (panel.otap === true) return { status: 403, body: ANSWER_BODIES.notSupport };
      return this.json({
        ExDevStatus: {
          OutputList: panel.relays.map((relay) => ({
            Output: { id: relay.id, name: relay.name, status: relay.status, tamperEvident: false, linkage: 'manualCtrl' },
          })),
          SirenList: [{ Siren: { id: 0, name: 'Outdoor siren', status: 'off', tamperEvident: false, sirenAttrib: 'wireless', charge: 'normal' } }],
        },
      });
    }
    if (path === '/status/zones') {
      const allowed = this.options.zoneStatusMethods ?? 'both';
      if (allowed !== 'both' && allowed !== method)
        return { status: 405, body: '{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"methodNotAllowed","errorCode":1073741828}' };
      const zone = (z: FakeZone): Record<string, unknown> => ({
        id: z.id,
        name: z.name,
        status: z.status,
        tamperEvident: false,
        bypassed: z.bypassed,
        armed: panel.partitions.find((partition) => partition.id === z.partition)?.arming !== 'disarm',
        alarm: z.alarm,
        subSystemNo: z.partition,
        zoneType: 'Instant',
        ...(z.oneTimeDeactivationMode === undefined ? {} : { oneTimeDeactivationMode: z.oneTimeDeactivationMode }),
        ...(z.deactivationMode === undefined ? {} : { deactivationMode: z.deactivationMode }),
      });
      if (method === 'GET') return this.json({ ZoneList: panel.zones.map((z) => ({ Zone: zone(z) })) });
      const cond = (JSON.parse(body) as { ZoneCond: { searchID: string; searchResultPosition: number; maxResults: number } }).ZoneCond;
      const size = Math.min(cond.maxResults, this.options.zonePageLimit ?? 30);
      const page = panel.zones.slice(cond.searchResultPosition, cond.searchResultPosition + size);
      const more = cond.searchResultPosition + page.length < panel.zones.length;
      return this.json({
        ZoneSearch: {
          searchID: cond.searchID,
          responseStatusStrg: page.length === 0 ? 'NO MATCH' : more ? 'MORE' : 'OK',
          numOfMatches: page.length,
          totalMatches: panel.zones.length,
          ZoneList: page.map((z) => ({ Zone: zone(z) })),
        },
      });
    }
    return { status: 404, body: ANSWER_BODIES.notSupport };
  }
}
