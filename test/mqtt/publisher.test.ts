import { afterEach, describe, expect, it } from 'vitest'
import { startAedes, subscriber, type TestBroker } from './brokers.js'
import { NODE, sampleState, testPublisher, UID } from './fixtures.js'

const T = `gridlet/${NODE}`
const D = `homeassistant/sensor/${NODE}`
const KEYS = [
  'power',
  'energy_import',
  'energy_export',
  'forecast_net',
  'clearing_price',
  'orders',
  'trades',
  'earnings',
  'health',
  'peers',
]

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function broker(): Promise<TestBroker> {
  const b = await startAedes()
  cleanups.push(() => b.close())
  return b
}

describe('MQTT publisher against an in-process aedes broker', () => {
  it('publishes retained HA discovery configs whose classes, units, ids and topics are exact', async () => {
    const b = await broker()
    const { publisher } = testPublisher(b.url)
    publisher.start()
    cleanups.push(() => publisher.stop())
    // A client subscribing later, as Home Assistant does after a restart, gets everything from retained messages.
    const probe = await subscriber(b.url, ['gridlet/#'])
    await probe.waitFor('states', () => probe.latest(`${T}/earnings`) !== undefined)
    await probe.close()
    const ha = await subscriber(b.url, ['homeassistant/#'])
    cleanups.push(() => ha.close())
    await ha.waitFor('all configs', () => KEYS.every((k) => ha.latest(`${D}/${k}/config`)))
    expect(KEYS.every((k) => ha.latest(`${D}/${k}/config`)!.retain)).toBe(true)

    const device = {
      identifiers: [UID],
      name: 'gridlet 1a2b3c4d',
      manufacturer: 'gridlet',
      model: 'gridlet node',
      sw_version: '0.1.0',
    }
    const common = {
      availability_topic: `${T}/availability`,
      payload_available: 'online',
      payload_not_available: 'offline',
      qos: 1,
      device,
      origin: { name: 'gridlet', sw_version: '0.1.0' },
    }
    expect(ha.json(`${D}/energy_import/config`)).toEqual({
      ...common,
      name: 'Grid import',
      unique_id: `${UID}_energy_import`,
      state_topic: `${T}/energy_import`,
      device_class: 'energy',
      state_class: 'total_increasing',
      unit_of_measurement: 'kWh',
      suggested_display_precision: 3,
      expire_after: 300,
    })
    expect(ha.json(`${D}/energy_export/config`)).toMatchObject({
      device_class: 'energy',
      state_class: 'total_increasing',
      unit_of_measurement: 'kWh',
      unique_id: `${UID}_energy_export`,
      state_topic: `${T}/energy_export`,
    })
    expect(ha.json(`${D}/power/config`)).toEqual({
      ...common,
      name: 'Grid power',
      unique_id: `${UID}_power`,
      state_topic: `${T}/power`,
      device_class: 'power',
      state_class: 'measurement',
      unit_of_measurement: 'W',
      expire_after: 300,
    })
    expect(ha.json(`${D}/earnings/config`)).toMatchObject({
      unique_id: `${UID}_earnings`,
      device_class: 'monetary',
      state_class: 'total',
      unit_of_measurement: 'gEUR',
    })
    expect(ha.json(`${D}/earnings/config`)).not.toHaveProperty('expire_after')
    expect(ha.json(`${D}/clearing_price/config`)).toMatchObject({
      state_class: 'measurement',
      unit_of_measurement: 'gEUR/kWh',
      json_attributes_topic: `${T}/clearing_price/attributes`,
    })
    expect(ha.json(`${D}/clearing_price/config`)).not.toHaveProperty('device_class')
    expect(ha.json(`${D}/forecast_net/config`)).toMatchObject({ device_class: 'energy', unit_of_measurement: 'kWh' })
    expect(ha.json(`${D}/forecast_net/config`)).not.toHaveProperty('state_class')
    expect(ha.json(`${D}/health/config`)).toMatchObject({
      device_class: 'enum',
      options: ['ok', 'degraded', 'down'],
      entity_category: 'diagnostic',
      json_attributes_topic: `${T}/health/attributes`,
    })
    // Every entity of the node is one HA device; unique ids differ.
    const ids = KEYS.map((k) => ha.json(`${D}/${k}/config`).unique_id)
    expect(new Set(ids).size).toBe(KEYS.length)
  })

  it('publishes retained states formatted exactly from the integers, and attributes as JSON', async () => {
    const b = await broker()
    const { publisher } = testPublisher(b.url)
    publisher.start()
    cleanups.push(() => publisher.stop())
    await new Promise((r) => setTimeout(r, 300))
    const s = await subscriber(b.url, ['gridlet/#'])
    cleanups.push(() => s.close())
    await s.waitFor('states', () => s.latest(`${T}/trades/attributes`) !== undefined)
    const state = (k: string) => s.latest(`${T}/${k}`)?.payload
    expect(state('availability')).toBe('online')
    expect(state('power')).toBe('-1520')
    expect(state('energy_import')).toBe('1234.567')
    expect(state('energy_export')).toBe('0.089')
    expect(state('forecast_net')).toBe('-2.501')
    expect(state('clearing_price')).toBe('0.123456')
    expect(state('earnings')).toBe('-1.500001')
    expect(state('orders')).toBe('1')
    expect(state('trades')).toBe('1')
    expect(state('health')).toBe('degraded')
    expect(state('peers')).toBe('0')
    expect(s.messages.filter((m) => m.topic.startsWith(T)).every((m) => m.retain)).toBe(true)
    expect(s.json(`${T}/health/attributes`)).toEqual({ loop: 'ok', meter: 'ok', peers: 'none', settlement: 'ok' })
    expect(s.json(`${T}/trades/attributes`)).toEqual({
      trades: [
        {
          interval_start: new Date(1_954_999 * 900_000).toISOString(),
          side: 'buy',
          quantity_kwh: '0.7',
          price: '0.123456',
          amount: '-0.086419',
          status: 'confirmed',
        },
      ],
    })
    expect(s.json(`${T}/clearing_price/attributes`)).toMatchObject({ interval: 1_954_999, volume_kwh: '1.5' })
  })

  it('sends only what changed, and updates a value live', async () => {
    const b = await broker()
    const { publisher, box } = testPublisher(b.url)
    const s = await subscriber(b.url, ['gridlet/#'])
    cleanups.push(() => s.close())
    publisher.start()
    cleanups.push(() => publisher.stop())
    await s.waitFor('import', () => s.latest(`${T}/energy_import`)?.payload === '1234.567')
    await new Promise((r) => setTimeout(r, 300)) // six more publication rounds with nothing new
    const count = (topic: string) => s.messages.filter((m) => m.topic === topic).length
    expect(count(`${T}/energy_import`)).toBe(1)
    box.state = sampleState({ reading: { ts: 1, powerW: 200, importWh: 1_235_000, exportWh: 89 } })
    await s.waitFor('new import', () => s.latest(`${T}/energy_import`)?.payload === '1235')
    expect(s.latest(`${T}/power`)?.payload).toBe('200')
    expect(count(`${T}/energy_export`)).toBe(1)
  })

  it('refreshes unchanged values, but a meter value only from a newer reading (so HA can expire a dead meter)', async () => {
    const b = await broker()
    const { publisher, box } = testPublisher(b.url, { refreshMs: 100 })
    const s = await subscriber(b.url, ['gridlet/#'])
    cleanups.push(() => s.close())
    publisher.start()
    cleanups.push(() => publisher.stop())
    const count = (k: string) => s.messages.filter((m) => m.topic === `${T}/${k}`).length
    await s.waitFor('peers refreshed', () => count('peers') >= 3)
    expect(count('power')).toBe(1) // the same reading: not refreshed
    box.state = sampleState({ reading: { ...sampleState().reading!, ts: 2 } }) // same values, a newer reading
    await s.waitFor('power refreshed', () => count('power') === 2)
    await new Promise((r) => setTimeout(r, 300))
    expect(count('power')).toBe(2)
    expect(count('energy_import')).toBe(2)
  })

  it('with discovery off and QoS 0: states only, no configs, no subscription; a failing source is counted', async () => {
    const b = await broker()
    const { publisher, box, metric } = testPublisher(b.url, {
      discovery: { enabled: false, prefix: 'homeassistant' },
      qos: 0,
    })
    const s = await subscriber(b.url, ['#'])
    cleanups.push(() => s.close())
    const good = box.state
    Object.defineProperty(box, 'state', {
      get: () => {
        throw new Error('store closed')
      },
      configurable: true,
    })
    publisher.start()
    cleanups.push(() => publisher.stop())
    await new Promise((r) => setTimeout(r, 200))
    expect(await metric('gridlet_mqtt_source_errors_total')).toBeGreaterThanOrEqual(2)
    Object.defineProperty(box, 'state', { value: good, writable: true })
    await s.waitFor('states', () => s.latest(`${T}/earnings`) !== undefined)
    await new Promise((r) => setTimeout(r, 200))
    expect(s.messages.filter((m) => m.topic.startsWith('homeassistant/'))).toEqual([])
    expect(s.latest(`${T}/energy_import`)).toMatchObject({ payload: '1234.567', retain: false }) // live delivery
    await s.client.publishAsync('homeassistant/status', 'online')
    await new Promise((r) => setTimeout(r, 200))
    expect(await metric('gridlet_mqtt_received_total', { result: 'accepted', code: 'HA_ONLINE' })).toBe(0)
  })

  it('answers a live HA birth message with discovery again, and counts bad input without acting on it', async () => {
    const b = await broker()
    const { publisher, metric } = testPublisher(b.url, { announceMinMs: 600 })
    const ha = await subscriber(b.url, ['homeassistant/sensor/#'])
    cleanups.push(() => ha.close())
    publisher.start()
    cleanups.push(() => publisher.stop())
    const configs = () => ha.messages.filter((m) => m.topic === `${D}/power/config`).length
    await ha.waitFor('first discovery', () => configs() === 1)
    await new Promise((r) => setTimeout(r, 700)) // past the re-announcement rate limit
    await ha.client.publishAsync('homeassistant/status', 'garbage')
    await ha.client.publishAsync('homeassistant/status', 'x'.repeat(1000))
    await ha.client.publishAsync('homeassistant/status', 'online')
    await ha.waitFor('second discovery', () => configs() === 2)
    await ha.client.publishAsync('homeassistant/status', 'online') // too soon: rate-limited
    await new Promise((r) => setTimeout(r, 200))
    expect(configs()).toBe(2)
    expect(await metric('gridlet_mqtt_received_total', { result: 'accepted', code: 'HA_ONLINE' })).toBe(1)
    expect(await metric('gridlet_mqtt_received_total', { result: 'rejected', code: 'BAD_PAYLOAD' })).toBe(1)
    expect(await metric('gridlet_mqtt_received_total', { result: 'rejected', code: 'TOO_LARGE' })).toBe(1)
    expect(await metric('gridlet_mqtt_received_total', { result: 'ignored', code: 'RATE_LIMITED' })).toBe(1)
  })
})
