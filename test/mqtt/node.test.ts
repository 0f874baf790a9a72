import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort } from '../../src/chain/anvil.js'
import { parseConfig } from '../../src/config/loadConfig.js'
import { accountOf } from '../../src/core/order/signOrder.js'
import { acceleratedClock } from '../../src/core/time/clock.js'
import { whToKwh } from '../../src/mqtt/formatUnits.js'
import { type RunningNode, startNode } from '../../src/node/startNode.js'
import { KEYS, memoryHub } from '../node/fakes.js'
import { startAedes, subscriber } from './brokers.js'

const KEY = KEYS[0]!
const ACCOUNT = accountOf(KEY)
const NODE = `gridlet_${ACCOUNT.slice(2, 10).toLowerCase()}`
const T = `gridlet/${NODE}`
const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A real node (store, loop, HTTP, simulated meter, in-process market) with an `mqtt` section pointing at `url`. */
async function nodeWithMqtt(url: string): Promise<RunningNode> {
  const dir = mkdtempSync(join(tmpdir(), 'gridlet-mqtt-node-'))
  const config = parseConfig(
    {
      market: { households: [ACCOUNT], intervalS: 300 },
      meter: { kind: 'simulated', pollS: 10 },
      chain: { submit: 'none' },
      http: { port: 0 },
      store: { path: 'gridlet.sqlite' },
      mqtt: { url, publishS: 10, reconnect: { minS: 0.1, maxS: 0.5 } },
    },
    dir,
  )
  const running = await startNode({
    config,
    privateKey: KEY,
    // Noon tomorrow at 30x: the simulated meter's counters move and the loop ticks every third of a second.
    clock: acceleratedClock({
      startMs: (Math.floor(Date.now() / 86_400_000) + 1) * 86_400_000 + 43_200_000,
      speed: 30,
    }),
    logger: pino({ level: 'silent' }),
    adapters: { network: () => memoryHub().member().network },
  })
  cleanups.push(() => running.stop())
  return running
}

describe('a real node with an mqtt section', () => {
  it('publishes its meter counters and health, exactly as stored, with discovery for its account', async () => {
    const broker = await startAedes()
    cleanups.push(() => broker.close())
    const running = await nodeWithMqtt(broker.url)
    const s = await subscriber(broker.url, ['gridlet/#', 'homeassistant/#'])
    cleanups.push(() => s.close())
    await s.waitFor('a non-zero export', () => Number(s.latest(`${T}/energy_export`)?.payload ?? 0) > 0)
    const stored = running.store.readingsSince(0, 10_000)
    const published = s.latest(`${T}/energy_export`)!.payload
    expect(stored.map((r) => whToKwh(r.exportWh))).toContain(published)
    expect(['ok', 'degraded', 'down']).toContain(s.latest(`${T}/health`)?.payload)
    // The node decided on its first step: its forecast and orders (as the dashboard lists them) are out too.
    await s.waitFor(
      'forecast and orders',
      () => !!s.latest(`${T}/forecast_net`) && !!s.latest(`${T}/orders/attributes`),
    )
    expect(s.latest(`${T}/forecast_net`)!.payload).toMatch(/^-?\d+(\.\d{1,3})?$/)
    expect(Array.isArray(s.json(`${T}/orders/attributes`).orders)).toBe(true)
    expect(s.latest(`${T}/availability`)?.payload).toBe('online')
    expect(s.json(`homeassistant/sensor/${NODE}/energy_export/config`)).toMatchObject({
      unique_id: `gridlet_${ACCOUNT.slice(2).toLowerCase()}_energy_export`,
      state_class: 'total_increasing',
    })
    const metrics = await running.registry.metrics()
    expect(metrics).toMatch(/^gridlet_mqtt_connected 1$/m)
  })

  it('keeps running with the broker absent: the loop ticks, HTTP answers, stop is prompt', async () => {
    const t0 = performance.now()
    const running = await nodeWithMqtt(`mqtt://127.0.0.1:${await freePort()}`)
    expect(performance.now() - t0).toBeLessThan(5000)
    const before = running.store.readingCount()
    await new Promise((r) => setTimeout(r, 1500))
    expect(running.store.readingCount()).toBeGreaterThan(before + 2)
    const health = await fetch(`${running.http.url}/health`)
    expect([200, 503]).toContain(health.status)
    const metrics = await (await fetch(`${running.http.url}/metrics`)).text()
    expect(metrics).toMatch(/^gridlet_mqtt_connected 0$/m)
    expect(metrics).toMatch(/^gridlet_mqtt_connection_events_total\{event="reconnect"\} [1-9]/m)
    expect(running.mqtt?.pending).toBeGreaterThan(0)
    const s0 = performance.now()
    await running.stop()
    expect(performance.now() - s0).toBeLessThan(2000)
  })
})
