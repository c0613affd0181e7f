// Reading counters through the registry (prom-client reads are async), for assertions.

import type { MetricsRegistry } from '../../src/metrics.js';

/** A counter's value for one label set: 0 before its first increment (no series yet). */
export async function counted(metrics: MetricsRegistry, name: string, labels?: Readonly<Record<string, string>>): Promise<number> {
  return (await metrics.value(name, labels)) ?? 0;
}
