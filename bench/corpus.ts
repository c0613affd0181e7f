// Realistic receiver traffic for the benchmark: EventNotificationAlert bodies of the guide's shapes
// (about 650 bytes, pretty-printed as the receiver sends them), mixed families, a share of them
// broken the way devices break them, framed as the subscription's multipart stream.

import { seededRandom } from '../test/helpers/dc09-random.js';

const FAMILIES = ['cid', 'cid', 'cid', 'cid', 'camera', 'camera', 'status', 'video-review', 'radar', 'pir'] as const;
const CAMERA_TYPES = ['VMD', 'fielddetection', 'linedetection', 'regionEntrance', 'IO', 'shelteralarm'] as const;
const CID_CODES = ['1130', '3130', '1401', '3401', '1137', '3137', '1301', '3301', '1602', '1110'] as const;

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

export function accountOf(index: number): string {
  return (0x1000 + index).toString(16).toUpperCase();
}

function devIndexOf(account: number): string {
  return `2cd6716d-767f-4756-ac55-${String(account).padStart(12, '0')}`;
}

function alertBody(random: () => number, n: number, accounts: number): Record<string, unknown> {
  const account = n % accounts;
  const common = {
    channelID: String(1 + (n % 8)),
    dateTime: '2026-01-21T12:50:39+08:00',
    activePostCount: 1,
    eventState: 'active',
    devIndex: devIndexOf(account),
    channelName: `Camera ${String(1 + (n % 8)).padStart(2, '0')} Entrance`,
  };
  const videoReview = {
    protocolType: 'HikCIDProtocol',
    HikCIDParams: { subSys: n % 4, ZoneNo: 1 + (n % 64), videoURL: `/ISAPI/ContentMgmt/record/video/${n}.mp4` },
  };
  switch (pick(random, FAMILIES)) {
    case 'cid':
      return {
        ...common,
        eventType: 'CIDAlarm',
        eventDescription: 'CID Alarm',
        deviceID: accountOf(account),
        deviceSerial: `Q${String(account).padStart(8, '0')}`,
        CIDAlarm: {
          subSys: 1 + (n % 4),
          zoneNo: 1 + (n % 64),
          CIDCode: pick(random, CID_CODES),
          CIDType: 1,
          CIDDescribe: 'Burglary Alarm',
          timeZoneIdx: 0,
          triggerTime: '2026-02-24 16:59:00',
          uploadTime: '2026-02-24 16:59:00',
          CIDParam: `1,${1 + (n % 9)},${1 + (n % 64)},1,1,1,0,user${n % 9}`,
          isVideo: 0,
          UUID: 'be1ad122-2a53-11eb-aabf-4576d7843e50',
        },
      };
    case 'camera':
      return {
        ...common,
        eventType: pick(random, CAMERA_TYPES),
        eventDescription: 'Motion Detection Alarm',
        deviceID: accountOf(account),
        inputIOPortID: 1,
        VideoReview: videoReview,
        detectionTarget: 'human',
      };
    case 'status':
      return {
        ...common,
        eventType: 'devStatusChanged',
        eventDescription: 'device status about online or offline changed',
        deviceID: accountOf(account),
        status: random() < 0.5 ? 'online' : 'offline',
        channelName: 'Panel',
        zoneName: 'Main entrance door contact',
      };
    case 'video-review':
      return {
        ...common,
        eventType: 'videoReview',
        eventDescription: 'video review',
        deviceID: accountOf(account),
        deviceSerial: `Q${String(account).padStart(8, '0')}`,
        VideoReview: {
          protocolType: 'HikCIDProtocol',
          HikCIDParams: { ...videoReview.HikCIDParams, CIDCode: '1130', CIDType: 1, CIDParam: '1,2,1,1,1,1,0,admin', UUID: '0' },
        },
      };
    case 'radar':
      return {
        ...common,
        eventType: pick(random, ['fallingDown', 'longTimeLeave'] as const),
        eventDescription: 'Person Fall Alarm',
        deviceID: accountOf(account),
        channelID: '0',
        zoneName: 'Bedroom 2 radar',
        remark: 'Ward 3',
      };
    case 'pir':
      return {
        ...common,
        eventType: 'PIR',
        eventDescription: 'PIR alarm',
        deviceID: accountOf(account),
        CaptureList: [{ resourcesContentType: 'url', resourcesContent: `/pic/${n}.jpg` }],
        VideoReview: videoReview,
      };
  }
}

// The defects of the guide's own examples: a missing comma, a trailing comma, full-width commas.
function breakBody(text: string, random: () => number): string {
  const kind = Math.floor(random() * 3);
  if (kind === 0) return text.replace(/,\n(\s+"channelName")/, '\n$1');
  if (kind === 1) return text.replace(/\n(\s*)\}\n\}$/, ',\n$1}\n}');
  return text.replace(/,\n(\s+"eventState")/, '，\n$1');
}

export interface Corpus {
  /** Bodies as sent (UTF-8 text). */
  readonly bodies: readonly string[];
  /** The bodies framed as the receiver's multipart stream. */
  readonly stream: Buffer;
  readonly brokenShare: number;
  readonly averageBodyBytes: number;
}

export function buildCorpus(count: number, options: { accounts?: number; brokenShare?: number; seed?: number } = {}): Corpus {
  const random = seededRandom(options.seed ?? 0x5eed);
  const accounts = options.accounts ?? 200;
  const brokenShare = options.brokenShare ?? 0.05;
  const bodies: string[] = [];
  for (let n = 0; n < count; n++) {
    const text = JSON.stringify({ EventNotificationAlert: alertBody(random, n, accounts) }, null, 2);
    bodies.push(random() < brokenShare ? breakBody(text, random) : text);
  }
  const parts = bodies.map(
    (body) => `--boundary\r\nContent-Type: application/json; charset="UTF-8"\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}\r\n`,
  );
  return {
    bodies,
    stream: Buffer.from(parts.join(''), 'utf8'),
    brokenShare,
    averageBodyBytes: Math.round(bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0) / count),
  };
}

/** A CID alarm whose payload names it uniquely (`#ACCT|1130 PP ZZZ`), for end-to-end latency. */
export function uniqueAlarm(n: number, accounts: number): { body: string; payload: string } {
  const account = accountOf(n % accounts);
  const serial = Math.floor(n / accounts);
  const partition = Math.floor(serial / 1000) % 100;
  const zone = serial % 1000;
  const body = JSON.stringify(
    {
      EventNotificationAlert: {
        channelID: '1',
        dateTime: '2026-01-21T12:50:39+08:00',
        activePostCount: 1,
        eventType: 'CIDAlarm',
        eventState: 'active',
        eventDescription: 'CID Alarm',
        devIndex: devIndexOf(n % accounts),
        channelName: 'Panel',
        deviceID: account,
        deviceSerial: `Q${String(n % accounts).padStart(8, '0')}`,
        CIDAlarm: {
          subSys: partition,
          zoneNo: zone,
          CIDCode: '1130',
          CIDType: 1,
          CIDDescribe: 'Burglary Alarm',
          timeZoneIdx: 0,
          triggerTime: '2026-02-24 16:59:00',
          uploadTime: '2026-02-24 16:59:00',
          CIDParam: `1,1,${zone},1,1,1,0,admin`,
          isVideo: 0,
        },
      },
    },
    null,
    2,
  );
  return { body, payload: `#${account}|1130 ${String(partition).padStart(2, '0')} ${String(zone).padStart(3, '0')}` };
}
