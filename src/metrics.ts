// The metrics every stage registers, on prom-client: one prom-client Registry per service instance
// (never prom-client's global one), so tests and the bench can run several services in one
// process. prom-client renders the text format, escapes and checks names and labels; this module
// only keeps the few calls the stages make (counters with a label-bound fast increment, gauges set
// or computed at scrape time, histograms) and one registration per name. Every bad input in hik-arc
// increments a counter here, so nothing is dropped without a trace an operator can alert on.

import { Counter as PromCounter, Gauge as PromGauge, Histogram as PromHistogram, Registry, collectDefaultMetrics } from 'prom-client';

type LabelValues = Readonly<Record<string, string>>;

interface BoundCount {
  readonly labels: LabelValues;
  count: number;
}

export class Counter {
  private readonly metric: PromCounter;
  private readonly bound: BoundCount[] = [];

  constructor(registry: Registry, name: string, help: string, labelNames: readonly string[]) {
    this.metric = new PromCounter({ name, help, labelNames, registers: [registry], collect: () => this.flushBound() });
  }

  inc(labels?: LabelValues, by = 1): void {
    if (labels === undefined) this.metric.inc(by);
    else this.metric.inc(labels, by);
  }

  /**
   * An increment for one fixed label set, for hot paths (a frame sent, an answer): prom-client
   * works out the label key on every `inc`, several hundred nanoseconds, so this adds to a plain
   * number that is handed to prom-client when it collects (each scrape or read). Bind at
   * construction, not per call: every binding is kept for the life of the registry.
   */
  bind(labels: LabelValues): (by?: number) => void {
    const bound: BoundCount = { labels, count: 0 };
    this.bound.push(bound);
    return (by = 1) => {
      bound.count += by;
    };
  }

  private flushBound(): void {
    for (const bound of this.bound) {
      if (bound.count === 0) continue;
      this.metric.inc(bound.labels, bound.count);
      bound.count = 0;
    }
  }
}

export type GaugeCollector = () => Iterable<readonly [LabelValues, number]>;

export class Gauge {
  private readonly metric: PromGauge;
  private collector: GaugeCollector | undefined;

  constructor(registry: Registry, name: string, help: string, labelNames: readonly string[]) {
    this.metric = new PromGauge({ name, help, labelNames, registers: [registry], collect: () => this.collectNow() });
  }

  set(labels: LabelValues | undefined, value: number): void {
    if (labels === undefined) this.metric.set(value);
    else this.metric.set(labels, value);
  }

  /** Values computed at scrape time (queue depth, oldest age) instead of pushed. */
  collect(collector: GaugeCollector): void {
    this.collector = collector;
  }

  private collectNow(): void {
    if (this.collector === undefined) return;
    for (const [labels, value] of this.collector()) this.metric.set(labels, value);
  }
}

export class Histogram {
  private readonly metric: PromHistogram;

  constructor(registry: Registry, name: string, help: string, buckets: readonly number[], labelNames: readonly string[]) {
    this.metric = new PromHistogram({ name, help, buckets: [...buckets], labelNames, registers: [registry] });
  }

  observe(value: number, labels?: LabelValues): void {
    if (labels === undefined) this.metric.observe(value);
    else this.metric.observe(labels, value);
  }
}

type AnyMetric = Counter | Gauge | Histogram;

const HISTOGRAM_SAMPLE = /^(.*)_(bucket|sum|count)$/;

export class MetricsRegistry {
  private readonly registry = new Registry();
  private readonly metrics = new Map<string, AnyMetric>();

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.register(name, () => new Counter(this.registry, name, help, labelNames), Counter);
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.register(name, () => new Gauge(this.registry, name, help, labelNames), Gauge);
  }

  histogram(name: string, help: string, buckets: readonly number[], labelNames: readonly string[] = []): Histogram {
    return this.register(name, () => new Histogram(this.registry, name, help, buckets, labelNames), Histogram);
  }

  /** prom-client's standard `process_*` and `nodejs_*` metrics, on this registry (once per service). */
  collectDefaultMetrics(): void {
    collectDefaultMetrics({ register: this.registry });
  }

  /** The text exposition format, for GET /metrics (gauges computed at scrape time are computed now). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * The value of one sample: `name` is a metric or a histogram's `_count`, `_sum` or `_bucket`
   * (with its `le` label), `labels` its full label set. Undefined when there is no such sample.
   */
  async value(name: string, labels: LabelValues = {}): Promise<number | undefined> {
    const histogram = this.registry.getSingleMetric(name) === undefined ? HISTOGRAM_SAMPLE.exec(name) : null;
    const metric = this.registry.getSingleMetric(histogram?.[1] ?? name);
    if (metric === undefined) return undefined;
    const wanted = Object.entries(labels);
    const sample = (await metric.get()).values.find((candidate) => {
      if (('metricName' in candidate ? candidate.metricName : name) !== name) return false;
      const entries = Object.entries(candidate.labels);
      return entries.length === wanted.length && wanted.every(([label, value]) => String(candidate.labels[label]) === value);
    });
    return sample?.value;
  }

  // Stages register their metrics independently; asking twice for one name returns the same metric.
  private register<T extends AnyMetric>(name: string, create: () => T, kind: abstract new (...args: never[]) => T): T {
    const existing = this.metrics.get(name);
    if (existing) {
      if (!(existing instanceof kind)) throw new Error(`metric ${name} already registered with another type`);
      return existing;
    }
    const metric = create();
    this.metrics.set(name, metric);
    return metric;
  }
}
