// The stages' metrics on prom-client: the text it renders, the values read back, one registry per
// service instance.

import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/metrics.js';

describe('MetricsRegistry', () => {
  it('renders counters, gauges and histograms in the text format', async () => {
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
    const text = await registry.render();
    expect(text).toContain('# TYPE hik_arc_test_events_total counter\n');
    expect(text).toContain('hik_arc_test_events_total{outcome="forwarded"} 3\n');
    expect(text).toContain('hik_arc_test_events_total{outcome="say \\"hi\\"\\n"} 1\n');
    expect(text).toContain('hik_arc_test_depth 7\n');
    expect(text).toContain('hik_arc_test_latency_seconds_bucket{le="0.01"} 1\n');
    expect(text).toContain('hik_arc_test_latency_seconds_bucket{le="0.1"} 2\n');
    expect(text).toContain('hik_arc_test_latency_seconds_bucket{le="+Inf"} 3\n');
    expect(text).toContain('hik_arc_test_latency_seconds_count 3\n');
    expect(registry.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('reads a sample back by its name and full label set', async () => {
    const registry = new MetricsRegistry();
    const answers = registry.counter('hik_arc_test_answers_total', 'Answers', ['destination', 'response']);
    answers.inc({ destination: 'primary', response: 'ack' }, 4);
    registry.gauge('hik_arc_test_up', 'Up', ['destination']).set({ destination: 'primary' }, 0);
    registry.histogram('hik_arc_test_seconds', 'Seconds', [1]).observe(0.5);
    expect(await registry.value('hik_arc_test_answers_total', { destination: 'primary', response: 'ack' })).toBe(4);
    expect(await registry.value('hik_arc_test_answers_total', { destination: 'primary' })).toBeUndefined();
    expect(await registry.value('hik_arc_test_answers_total', { destination: 'primary', response: 'nak' })).toBeUndefined();
    expect(await registry.value('hik_arc_test_up', { destination: 'primary' })).toBe(0);
    expect(await registry.value('hik_arc_test_seconds_count')).toBe(1);
    expect(await registry.value('hik_arc_test_seconds_bucket', { le: '1' })).toBe(1);
    expect(await registry.value('hik_arc_test_missing')).toBeUndefined();
  });

  it('counts a bound increment by the next scrape or read, and only its own label set', async () => {
    const registry = new MetricsRegistry();
    const frames = registry.counter('hik_arc_test_frames_total', 'Frames', ['kind']);
    const countEvent = frames.bind({ kind: 'event' });
    const countSupervision = frames.bind({ kind: 'supervision' });
    countEvent();
    countEvent(2);
    frames.inc({ kind: 'event' });
    expect(await registry.value('hik_arc_test_frames_total', { kind: 'event' })).toBe(4);
    expect(await registry.render()).not.toContain('kind="supervision"');
    countEvent();
    countSupervision();
    const text = await registry.render();
    expect(text).toContain('hik_arc_test_frames_total{kind="event"} 5\n');
    expect(text).toContain('hik_arc_test_frames_total{kind="supervision"} 1\n');
  });

  it('computes collected gauges at every scrape', async () => {
    const registry = new MetricsRegistry();
    let depth = 1;
    registry.gauge('hik_arc_test_queue_depth', 'Queue depth').collect(() => [[{}, depth]]);
    expect(await registry.value('hik_arc_test_queue_depth')).toBe(1);
    depth = 5;
    expect(await registry.render()).toContain('hik_arc_test_queue_depth 5\n');
  });

  it('returns the same metric for the same name and refuses a type clash', () => {
    const registry = new MetricsRegistry();
    expect(registry.counter('a_total', 'x')).toBe(registry.counter('a_total', 'x'));
    expect(() => registry.gauge('a_total', 'x')).toThrow(/another type/);
  });

  it('keeps each registry to itself, so several services run in one process', async () => {
    const first = new MetricsRegistry();
    const second = new MetricsRegistry();
    first.counter('hik_arc_test_shared_total', 'Shared').inc();
    second.counter('hik_arc_test_shared_total', 'Shared').inc(undefined, 3);
    first.collectDefaultMetrics();
    second.collectDefaultMetrics();
    expect(await first.value('hik_arc_test_shared_total')).toBe(1);
    expect(await second.value('hik_arc_test_shared_total')).toBe(3);
  });

  it('gives the standard process and Node.js metrics', async () => {
    const registry = new MetricsRegistry();
    registry.collectDefaultMetrics();
    const text = await registry.render();
    for (const name of [
      'process_resident_memory_bytes',
      'process_start_time_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_heap_size_total_bytes',
      'nodejs_external_memory_bytes',
    ]) {
      expect(text).toMatch(new RegExp(`^${name} \\d`, 'm'));
    }
  });
});
