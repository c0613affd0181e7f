// Prometheus text exposition of our own registry.

import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/metrics.js';

describe('MetricsRegistry', () => {
  it('renders counters, gauges and histograms in the text format', () => {
    const registry = new MetricsRegistry();
    const events = registry.counter('hik_arc_test_events_total', 'Test events', ['outcome']);
    events.inc({ outcome: 'forwarded' });
    events.inc({ outcome: 'forwarded' }, 2);
    events.inc({ outcome: 'say "hi"\n' });
    const depth = registry.gauge('hik_arc_test_depth', 'Depth');
    depth.collect(() => [[{}, 7]]);
    const latency = registry.histogram('hik_arc_test_latency_seconds', 'Latency', [0.01, 0.1]);
    latency.observe(0.005);
    latency.observe(0.05);
    latency.observe(5);
    const text = registry.render();
    expect(text).toContain('# TYPE hik_arc_test_events_total counter\n');
    expect(text).toContain('hik_arc_test_events_total{outcome="forwarded"} 3\n');
    expect(text).toContain('hik_arc_test_events_total{outcome="say \\"hi\\"\\n"} 1\n');
    expect(text).toContain('hik_arc_test_depth 7\n');
    expect(text).toContain('hik_arc_test_latency_seconds_bucket{le="0.01"} 1\n');
    expect(text).toContain('hik_arc_test_latency_seconds_bucket{le="0.1"} 2\n');
    expect(text).toContain('hik_arc_test_latency_seconds_bucket{le="+Inf"} 3\n');
    expect(text).toContain('hik_arc_test_latency_seconds_count 3\n');
  });

  it('returns the same metric for the same name and refuses a type clash', () => {
    const registry = new MetricsRegistry();
    expect(registry.counter('a_total', 'x')).toBe(registry.counter('a_total', 'x'));
    expect(() => registry.gauge('a_total', 'x')).toThrow(/another type/);
  });

  it('requires every declared label', () => {
    const counter = new MetricsRegistry().counter('b_total', 'x', ['destination']);
    expect(() => counter.inc()).toThrow(/needs label destination/);
  });
});
