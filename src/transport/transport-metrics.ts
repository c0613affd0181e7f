// Metrics of the transport stage, registered once on the service's registry. Every answer,
// timeout, link failure and undelivered message is counted per destination so an operator can
// alert on a path before an alarm is missed.

import type { Counter, Gauge, Histogram, MetricsRegistry } from '../metrics.js';

// Delivery latency buckets: loopback milliseconds up to an hour, so a long ARC outage still shows
// in the histogram instead of piling up in +Inf.
export const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600];

export interface TransportMetrics {
  readonly framesSent: Counter;
  readonly responses: Counter;
  readonly responseErrors: Counter;
  readonly ackTimeouts: Counter;
  readonly linkFailures: Counter;
  readonly deliveries: Counter;
  readonly deliverySeconds: Histogram;
  readonly pathUp: Gauge;
  readonly clockOffsetSeconds: Gauge;
  readonly supervision: Counter;
  readonly videoLinks: Counter;
  readonly inFlight: Gauge;
  readonly connections: Gauge;
  readonly accountFailures: Counter;
}

export function transportMetrics(registry: MetricsRegistry): TransportMetrics {
  return {
    framesSent: registry.counter(
      'hik_arc_transport_frames_sent_total',
      'DC-09 frames written, retries included, by destination and kind (event, supervision)',
      ['destination', 'kind'],
    ),
    responses: registry.counter('hik_arc_transport_responses_total', 'Answers matched to a frame, by destination and response (ack, nak, duh)', [
      'destination',
      'response',
    ]),
    responseErrors: registry.counter(
      'hik_arc_transport_response_errors_total',
      'Received bytes that were not a usable answer (bad frame, stale ACK, unsolicited), by destination and error code',
      ['destination', 'code'],
    ),
    ackTimeouts: registry.counter('hik_arc_transport_ack_timeouts_total', 'Attempts that got no answer within the ACK timeout, by destination', [
      'destination',
    ]),
    linkFailures: registry.counter(
      'hik_arc_transport_link_failures_total',
      'Connections that could not be opened or closed before the answer, by destination and code',
      ['destination', 'code'],
    ),
    deliveries: registry.counter('hik_arc_transport_deliveries_total', 'Messages acknowledged (destination) or handed back undelivered (destination "none")', [
      'destination',
      'outcome',
    ]),
    deliverySeconds: registry.histogram(
      'hik_arc_transport_delivery_seconds',
      'Time from send to ACK, by the destination that acknowledged',
      LATENCY_BUCKETS_SECONDS,
      ['destination'],
    ),
    pathUp: registry.gauge('hik_arc_transport_path_up', 'Path state per destination: 1 up, 0 down; absent while unknown', ['destination']),
    clockOffsetSeconds: registry.gauge('hik_arc_transport_clock_offset_seconds', 'Receiver clock minus ours, learnt from its last NAK', ['destination']),
    supervision: registry.counter('hik_arc_transport_supervision_total', 'NULL link tests by destination and outcome (ok, failed)', ['destination', 'outcome']),
    videoLinks: registry.counter('hik_arc_transport_video_links_total', 'Verification links by outcome (included, truncated, omitted)', ['outcome']),
    inFlight: registry.gauge('hik_arc_transport_in_flight', 'Frames sent and waiting for their answer, by destination (at most arc.maxInFlight)', [
      'destination',
    ]),
    connections: registry.gauge('hik_arc_transport_connections', 'Open connections (TCP) or sockets (UDP) to the receiver, by destination', ['destination']),
    accountFailures: registry.counter(
      'hik_arc_delivery_account_failures_total',
      'Delivery rounds of one account that ended without an ACK (its lane waits out a backoff; other accounts keep flowing), by account and the last code',
      ['account', 'code'],
    ),
  };
}
