import pino from 'pino'
import { Registry } from 'prom-client'
import { systemClock } from '../../src/core/time/clock.js'
import type { GatewayState } from '../../src/mqtt/gatewayState.js'
import { type MqttPublisherInit, mqttPublisher } from '../../src/mqtt/mqttPublisher.js'

export const ACCOUNT = '0x1A2b3C4d5E6f708192a3B4c5D6e7F80912345678'
export const NODE = 'gridlet_1a2b3c4d'
export const UID = 'gridlet_1a2b3c4d5e6f708192a3b4c5d6e7f80912345678'
const INTERVAL = 1_955_000 // 2025-10-..., any interval index works

/** A gateway state with awkward numbers: kWh with three decimals, negative earnings, a 6-decimal price. */
export function sampleState(over: Partial<GatewayState> = {}): GatewayState {
  return {
    health: { status: 'degraded', checks: { loop: 'ok', meter: 'ok', peers: 'none', settlement: 'ok' } },
    peers: 0,
    intervalS: 900,
    reading: { ts: INTERVAL * 900_000, powerW: -1520, importWh: 1_234_567, exportWh: 89 },
    forecast: { interval: INTERVAL + 1, netWh: -2501 },
    clearing: { interval: INTERVAL - 1, price: 123_456n, volumeWh: 1500n },
    orders: [
      { interval: INTERVAL + 1, side: 'buy', quantityWh: 2501n, limitPrice: 290_000n, filledWh: 0n, state: 'open' },
      { interval: INTERVAL - 1, side: 'buy', quantityWh: 700n, limitPrice: 200_000n, filledWh: 700n, state: 'traded' },
    ],
    trades: [
      {
        interval: INTERVAL - 1,
        side: 'buy',
        quantityWh: 700n,
        price: 123_456n,
        amount: -86_419n,
        status: 'confirmed',
      },
    ],
    earnings: -1_500_001n,
    ...over,
  }
}

export function testInit(url: string, over: Partial<MqttPublisherInit> = {}): MqttPublisherInit {
  return {
    url,
    clientId: 'gridlet-1a2b3c4d',
    nodeId: NODE,
    topicPrefix: 'gridlet',
    discovery: { enabled: true, prefix: 'homeassistant' },
    qos: 1,
    publishMs: 50,
    expireAfterS: 300,
    keepaliveS: 5,
    reconnect: { minMs: 50, maxMs: 400 },
    token: { symbol: 'gEUR', decimals: 6 },
    device: { account: ACCOUNT, name: 'gridlet 1a2b3c4d', swVersion: '0.1.0' },
    connectTimeoutMs: 2000,
    ...over,
  }
}

/** A publisher over a mutable state, with its own metrics registry. */
export function testPublisher(url: string, over: Partial<MqttPublisherInit> = {}) {
  const box = { state: sampleState() }
  const registry = new Registry()
  const publisher = mqttPublisher(
    { clock: systemClock(), source: () => box.state, logger: pino({ level: 'silent' }), registry },
    testInit(url, over),
  )
  const metric = async (name: string, labels: Record<string, string> = {}) => {
    const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name)
    const v = (m?.values ?? []).find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l))
    return v?.value ?? 0
  }
  return { publisher, box, registry, metric }
}
