// deploy/prometheus-alerts.yml and deploy/grafana-dashboard.json name only metrics the service
// really exports: the registry of a service started here (loopback receiver and ARC, no network
// beyond 127.0.0.1) is the reference, not a list kept by hand. And the README explains every
// alert and every panel.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/log.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import { startService, type RunningService } from '../../../src/service/service.js';
import { Dc09Receiver } from '../../../src/transport/index.js';
import { startFakeHikReceiver, type FakeHikReceiver } from '../../helpers/fake-hik-receiver.js';
import { tempDir } from '../../helpers/temp-files.js';

const RULES = readFileSync('deploy/prometheus-alerts.yml', 'utf8');
const DASHBOARD = JSON.parse(readFileSync('deploy/grafana-dashboard.json', 'utf8')) as {
  readonly panels: ReadonlyArray<{ readonly type: string; readonly title: string; readonly targets?: ReadonlyArray<{ readonly expr: string }> }>;
};
const README = readFileSync('README.md', 'utf8');
// Series Prometheus makes itself for every target, not the service.
const SCRAPE_SERIES: ReadonlySet<string> = new Set(['up']);
const PROMQL_WORDS: ReadonlySet<string> = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

interface Alert {
  readonly name: string;
  readonly expr: string;
  readonly severity: string | undefined;
  readonly summary: string | undefined;
}

/** The alerts of the rules file: name, expression (one line or a `|` block), severity, summary. */
function alerts(): Alert[] {
  const found: Alert[] = [];
  const lines = RULES.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = /^(\s*)- alert: (\S+)$/.exec(lines[i] as string);
    if (!start) continue;
    const indent = (start[1] as string).length;
    const body: string[] = [];
    for (
      let j = i + 1;
      j < lines.length && !/^\s*- alert: /.test(lines[j] as string) && (lines[j] === '' || /^\s*/.exec(lines[j] as string)![0].length > indent);
      j++
    )
      body.push(lines[j] as string);
    const text = body.join('\n');
    const block = /\n?\s*expr: \|\n((?:\s{10,}.*\n?)+)/.exec(text);
    const single = /^\s*expr: (.+)$/m.exec(text);
    const expr = block ? (block[1] as string).trim() : (single?.[1] ?? '').trim();
    found.push({ name: start[2] as string, expr, severity: /^\s*severity: (\S+)$/m.exec(text)?.[1], summary: /^\s*summary: (.+)$/m.exec(text)?.[1] });
  }
  return found;
}

/** The metric names a PromQL expression reads: what is left once labels, ranges, groupings and functions are taken out. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  return [...bare.matchAll(/(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)]
    .map((match) => match[1] as string)
    .filter((name) => !PROMQL_WORDS.has(name.toLowerCase()));
}

let hik: FakeHikReceiver | undefined;
let arc: Dc09Receiver | undefined;
let service: RunningService | undefined;
let exported: Map<string, string>;

beforeAll(async () => {
  hik = await startFakeHikReceiver({ password: 'monitoring-test', heartbeatIntervalMs: 300 });
  arc = await Dc09Receiver.start({ listen: [{ transport: 'tcp', host: '127.0.0.1', port: 0 }] });
  const config = loadConfig({
    overrides: {
      'receiver.url': hik.url,
      'receiver.username': 'admin',
      'receiver.password': 'monitoring-test',
      'receiver.account': 'AAAA',
      'arc.primary': arc.url('tcp'),
      'store.path': join(tempDir(), `monitoring-${process.pid}.db`),
      'http.listen': '',
    },
  });
  const metrics = new MetricsRegistry();
  service = await startService({ config, logger: createLogger({ level: 'silent', destination: { write: () => undefined } }), metrics });
  // `# TYPE name type` for every registered metric, with or without samples yet.
  exported = new Map([...(await metrics.render()).matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => [match[1] as string, match[2] as string]));
}, 30_000);

afterAll(async () => {
  await service?.stop();
  await arc?.stop();
  await hik?.close();
});

function unknownNames(exprs: readonly string[], allowScrapeSeries: boolean): string[] {
  const unknown = new Set<string>();
  for (const expr of exprs) {
    for (const name of metricNames(expr)) {
      if (exported.has(name) || (allowScrapeSeries && SCRAPE_SERIES.has(name))) continue;
      const histogram = /^(.+)_(bucket|sum|count)$/.exec(name);
      if (histogram && exported.get(histogram[1] as string) === 'histogram') continue;
      unknown.add(name);
    }
  }
  return [...unknown];
}

describe('monitoring in deploy/', () => {
  it('reads the names it checks (the parser is not blind)', () => {
    expect(metricNames('sum by (instance, destination) (rate(hik_arc_transport_responses_total{response="nak"}[10m])) / x_total > 0.1')).toEqual([
      'hik_arc_transport_responses_total',
      'x_total',
    ]);
    expect(exported.get('hik_arc_outbox_depth')).toBe('gauge');
    expect(exported.get('hik_arc_end_to_end_seconds')).toBe('histogram');
  });

  it('the alert rules cover what an ARC link needs watched, each with a severity and a summary', () => {
    const names = alerts().map((alert) => alert.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'HikArcReceiverStreamDown',
        'HikArcArcPathDown',
        'HikArcAllArcPathsDown',
        'HikArcOutboxBacklog',
        'HikArcOutboxOldestAlarm',
        'HikArcDeadLetters',
        'HikArcNakRate',
        'HikArcStoreFault',
      ]),
    );
    for (const alert of alerts()) {
      expect(alert.expr, alert.name).not.toBe('');
      expect(['warning', 'critical'], alert.name).toContain(alert.severity);
      expect(alert.summary, alert.name).toBeDefined();
    }
  });

  it('every metric an alert reads is exported by the service', () => {
    expect(
      unknownNames(
        alerts().map((alert) => alert.expr),
        true,
      ),
    ).toEqual([]);
  });

  it('every metric a dashboard panel reads is exported by the service', () => {
    const exprs = DASHBOARD.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
    expect(exprs.length).toBeGreaterThan(20);
    expect(unknownNames(exprs, false)).toEqual([]);
  });

  it('the README explains every alert and every panel', () => {
    const section = README.slice(README.indexOf('## Monitoring'));
    expect(section.length).toBeGreaterThan(0);
    for (const alert of alerts()) expect(section, alert.name).toContain(`\`${alert.name}\``);
    for (const panel of DASHBOARD.panels) expect(section, panel.title).toContain(panel.title);
  });
});
