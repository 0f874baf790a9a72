import { Counter, Gauge, type Registry } from 'prom-client'

/** Fate of one state or discovery message. */
export type MessageOutcome = 'sent' | 'coalesced' | 'dropped' | 'failed'
/** Verdict on one received message (see judgeMessage). */
export type ReceivedResult = 'accepted' | 'ignored' | 'rejected'

export interface MqttMetrics {
  messages: Counter<'outcome'>
  received: Counter<'result' | 'code'>
  connected: Gauge
  connections: Counter<'event'>
  pending: Gauge
  sourceErrors: Counter
}

/** The publisher's Prometheus metrics; every label is an enum, so the series count is fixed. */
export function createMqttMetrics(registry: Registry): MqttMetrics {
  const registers = [registry]
  return {
    messages: new Counter({
      name: 'gridlet_mqtt_messages_total',
      help: 'MQTT messages by outcome: sent, coalesced (replaced by a newer value while waiting), dropped (bound), failed',
      labelNames: ['outcome'],
      registers,
    }),
    received: new Counter({
      name: 'gridlet_mqtt_received_total',
      help: 'Messages received from the broker by verdict and code',
      labelNames: ['result', 'code'],
      registers,
    }),
    connected: new Gauge({ name: 'gridlet_mqtt_connected', help: '1 while connected to the broker', registers }),
    connections: new Counter({
      name: 'gridlet_mqtt_connection_events_total',
      help: 'Broker connection events: connect, close, error, reconnect',
      labelNames: ['event'],
      registers,
    }),
    pending: new Gauge({ name: 'gridlet_mqtt_pending', help: 'Topics waiting to be published', registers }),
    sourceErrors: new Counter({
      name: 'gridlet_mqtt_source_errors_total',
      help: 'Failed reads of the node state for publication',
      registers,
    }),
  }
}
