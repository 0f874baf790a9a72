import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** The node's Prometheus metrics; every name is prefixed `gridlet_`. Pass no registry to disable them. */
export interface NodeMetrics {
  readings: Counter
  meterErrors: Counter<'kind'>
  powerW: Gauge
  readingAgeS: Gauge
  ordersSent: Counter<'side'>
  ordersReceived: Counter
  ordersSuppressed: Counter<'reason'>
  publishErrors: Counter
  peers: Gauge
  results: Counter<'status'>
  agreement: Gauge
  settlementPending: Gauge
  settlementLagS: Gauge
  clockJumps: Counter<'direction'>
  tickSeconds: Histogram
  tickErrors: Counter
}

export function createNodeMetrics(registry: Registry): NodeMetrics {
  const registers = [registry]
  return {
    readings: new Counter({
      name: 'gridlet_readings_stored_total',
      help: 'Meter readings stored (acknowledged)',
      registers,
    }),
    meterErrors: new Counter({
      name: 'gridlet_meter_read_failures_total',
      help: 'Failed meter reads by kind (timeout, unavailable, invalid, other)',
      labelNames: ['kind'],
      registers,
    }),
    powerW: new Gauge({ name: 'gridlet_meter_power_watts', help: 'Last net power (W, + = import)', registers }),
    readingAgeS: new Gauge({ name: 'gridlet_meter_reading_age_seconds', help: 'Age of the last reading', registers }),
    ordersSent: new Counter({
      name: 'gridlet_orders_sent_total',
      help: 'Own orders published',
      labelNames: ['side'],
      registers,
    }),
    ordersReceived: new Counter({
      name: 'gridlet_orders_received_total',
      help: 'Valid peer orders received',
      registers,
    }),
    ordersSuppressed: new Counter({
      name: 'gridlet_orders_suppressed_total',
      help: 'Order intents the node did not place (e.g. meter_stale)',
      labelNames: ['reason'],
      registers,
    }),
    publishErrors: new Counter({ name: 'gridlet_publish_errors_total', help: 'Failed order publications', registers }),
    peers: new Gauge({ name: 'gridlet_peers', help: 'Connected market peers', registers }),
    results: new Counter({
      name: 'gridlet_results_total',
      help: 'Interval results by final status',
      labelNames: ['status'],
      registers,
    }),
    agreement: new Gauge({
      name: 'gridlet_agreement_ratio',
      help: 'Share of peers that announced our clearing root for the last handed-off interval',
      registers,
    }),
    settlementPending: new Gauge({
      name: 'gridlet_settlement_pending',
      help: 'Settlement batches not confirmed',
      registers,
    }),
    settlementLagS: new Gauge({
      name: 'gridlet_settlement_lag_seconds',
      help: 'Age of the oldest unconfirmed settlement batch',
      registers,
    }),
    clockJumps: new Counter({
      name: 'gridlet_clock_jumps_total',
      help: 'Detected jumps of the system clock',
      labelNames: ['direction'],
      registers,
    }),
    tickErrors: new Counter({ name: 'gridlet_tick_errors_total', help: 'Loop steps that failed', registers }),
    tickSeconds: new Histogram({
      name: 'gridlet_tick_duration_seconds',
      help: 'Duration of one node loop step',
      buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2],
      registers,
    }),
  }
}
