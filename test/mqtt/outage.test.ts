import { afterEach, describe, expect, it } from 'vitest'
import { freePort } from '../../src/chain/anvil.js'
import { availabilityAfterKill, startAedes, subscriber } from './brokers.js'
import { NODE, sampleState, testPublisher } from './fixtures.js'

const T = `gridlet/${NODE}`
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** Largest delay of the event loop while `during` runs: a blocked loop shows up as a long gap between timers. */
async function maxLoopLagMs(during: () => Promise<void>): Promise<number> {
  let last = performance.now()
  let worst = 0
  const timer = setInterval(() => {
    const now = performance.now()
    worst = Math.max(worst, now - last - 10)
    last = now
  }, 10)
  try {
    await during()
  } finally {
    clearInterval(timer)
  }
  return worst
}

describe('MQTT publisher when the broker fails', () => {
  it('with no broker at all: start returns at once, nothing blocks, the outbox stays bounded, stop is quick', async () => {
    const url = `mqtt://127.0.0.1:${await freePort()}` // nothing listens here
    // mqtt.js loads its transports (tcp, tls, ws) on the first connect, once per process: not a wait for the broker.
    const warm = testPublisher(url)
    warm.publisher.start()
    await warm.publisher.stop()
    const { publisher, box, metric } = testPublisher(url, { maxPendingTopics: 8 })
    const t0 = performance.now()
    publisher.start()
    expect(performance.now() - t0).toBeLessThan(50)
    const lag = await maxLoopLagMs(async () => {
      for (let i = 0; i < 20; i++) {
        box.state = sampleState({ reading: { ts: i, powerW: i, importWh: 1000 + i, exportWh: i } })
        await sleep(50)
      }
    })
    expect(lag).toBeLessThan(200)
    expect(publisher.connected).toBe(false)
    expect(publisher.pending).toBe(8)
    expect(await metric('gridlet_mqtt_messages_total', { outcome: 'dropped' })).toBeGreaterThan(0)
    expect(await metric('gridlet_mqtt_messages_total', { outcome: 'coalesced' })).toBeGreaterThan(0)
    expect(await metric('gridlet_mqtt_messages_total', { outcome: 'sent' })).toBe(0)
    // Backoff: with minMs 50 and maxMs 400, about a second brings only a handful of attempts, not a tight loop.
    const attempts = await metric('gridlet_mqtt_connection_events_total', { event: 'reconnect' })
    expect(attempts).toBeGreaterThanOrEqual(2)
    expect(attempts).toBeLessThan(12)
    const s0 = performance.now()
    await publisher.stop()
    expect(performance.now() - s0).toBeLessThan(100)
  })

  it('reconnects after the broker restarts and republishes discovery and the latest state', async () => {
    let broker = await startAedes()
    const port = broker.port
    cleanups.push(() => broker.close())
    const { publisher, box, metric } = testPublisher(broker.url)
    publisher.start()
    cleanups.push(() => publisher.stop())
    const before = await subscriber(broker.url, ['gridlet/#'])
    await before.waitFor('first state', () => before.latest(`${T}/energy_import`)?.payload === '1234.567')
    await before.close()

    await broker.close() // the broker dies: its retained messages die with it (in-memory)
    await sleep(100)
    expect(publisher.connected).toBe(false)
    for (const importWh of [1_300_000, 1_300_500, 1_301_001]) {
      box.state = sampleState({ reading: { ts: importWh, powerW: 10, importWh, exportWh: 89 } })
      await sleep(80)
    }
    expect(publisher.pending).toBeGreaterThan(0)
    expect(publisher.pending).toBeLessThanOrEqual(20) // one entry per topic, however long the outage
    expect(await metric('gridlet_mqtt_messages_total', { outcome: 'coalesced' })).toBeGreaterThanOrEqual(2)

    broker = await startAedes(port)
    const after = await subscriber(broker.url, ['gridlet/#', 'homeassistant/#'])
    cleanups.push(() => after.close())
    await after.waitFor('reconnect', () => after.latest(`${T}/energy_import`)?.payload === '1301.001', 5000)
    await after.waitFor('discovery', () => after.latest(`homeassistant/sensor/${NODE}/power/config`) !== undefined)
    expect(after.latest(`${T}/availability`)?.payload).toBe('online')
    expect(after.messages.some((m) => m.topic === `${T}/energy_import` && m.payload === '1300.5')).toBe(false)
    expect(publisher.connected).toBe(true)
    expect(publisher.pending).toBe(0)
  })

  it('marks the node offline by last will (retained) when its process is killed', async () => {
    const broker = await startAedes()
    cleanups.push(() => broker.close())
    // A client that subscribes after the kill (HA after a restart) gets the retained last will.
    const will = await availabilityAfterKill(broker.url, `${T}/availability`, cleanups)
    expect(will).toEqual({ topic: `${T}/availability`, payload: 'offline', retain: true })
  })

  it('says offline on a graceful stop, as the retained availability', async () => {
    const broker = await startAedes()
    cleanups.push(() => broker.close())
    const { publisher } = testPublisher(broker.url)
    publisher.start()
    const s = await subscriber(broker.url, [`${T}/availability`])
    cleanups.push(() => s.close())
    await s.waitFor('online', () => s.latest(`${T}/availability`)?.payload === 'online')
    await publisher.stop()
    await s.waitFor('offline', () => s.latest(`${T}/availability`)?.payload === 'offline')
  })
})
