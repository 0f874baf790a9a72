import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/loadConfig.js'
import { mqttInitOf } from '../../src/mqtt/mqttInit.js'
import { havePeers } from '../support/peers.js'
import { availabilityAfterKill, startMosquitto, subscriber } from './brokers.js'
import { ACCOUNT, NODE, testPublisher, UID } from './fixtures.js'

const T = `gridlet/${NODE}`
const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe.skipIf(!havePeers('mosquitto'))('MQTT publisher against Debian mosquitto (independent broker)', () => {
  it('logs in with the password from a file, publishes retained discovery and state, offline on stop', async () => {
    const broker = await startMosquitto({ gridlet: 'pw-from-file', homeassistant: 'ha' })
    cleanups.push(() => broker.close())
    const dir = mkdtempSync(join(tmpdir(), 'gridlet-mosq-'))
    writeFileSync(join(dir, 'mqtt-password'), 'pw-from-file\n')
    const settings = parseConfig({ mqtt: { url: broker.url, username: 'gridlet', passwordFile: 'mqtt-password' } }, dir)
      .mqtt!
    const init = mqttInitOf(settings, { account: ACCOUNT, baseDir: dir, env: {} })
    const { publisher } = testPublisher(broker.url, { username: init.username!, password: init.password! })
    publisher.start()
    cleanups.push(() => publisher.stop())

    const ha = await subscriber(broker.url, ['homeassistant/#', 'gridlet/#'], {
      username: 'homeassistant',
      password: 'ha',
    })
    cleanups.push(() => ha.close())
    await ha.waitFor('discovery and state', () => !!ha.latest(`${T}/earnings`) && !!ha.latest(`${T}/availability`))
    await ha.waitFor('discovery', () => !!ha.latest(`homeassistant/sensor/${NODE}/energy_import/config`))
    expect(ha.json(`homeassistant/sensor/${NODE}/energy_import/config`)).toMatchObject({
      unique_id: `${UID}_energy_import`,
      device_class: 'energy',
      state_class: 'total_increasing',
      unit_of_measurement: 'kWh',
      state_topic: `${T}/energy_import`,
      availability_topic: `${T}/availability`,
    })
    expect(ha.latest(`${T}/energy_import`)?.payload).toBe('1234.567')
    expect(ha.latest(`${T}/earnings`)?.payload).toBe('-1.500001')

    // Retained at mosquitto: a late subscriber gets the state and the config with the retain flag.
    const late = await subscriber(broker.url, [`${T}/energy_import`, `homeassistant/sensor/${NODE}/power/config`], {
      username: 'homeassistant',
      password: 'ha',
    })
    cleanups.push(() => late.close())
    await late.waitFor('retained', () => late.messages.length === 2)
    expect(late.messages.every((m) => m.retain)).toBe(true)

    await publisher.stop()
    await ha.waitFor('offline', () => ha.latest(`${T}/availability`)?.payload === 'offline')
  })

  it('sends the last will, retained, when the publisher process is killed', async () => {
    const broker = await startMosquitto()
    cleanups.push(() => broker.close())
    const will = await availabilityAfterKill(broker.url, `${T}/availability`, cleanups)
    expect(will).toEqual({ topic: `${T}/availability`, payload: 'offline', retain: true })
  })

  it('with a wrong password: no crash, refused logins are retried with backoff and counted', async () => {
    const broker = await startMosquitto({ gridlet: 'right' })
    cleanups.push(() => broker.close())
    const { publisher, metric } = testPublisher(broker.url, { username: 'gridlet', password: 'wrong' })
    publisher.start()
    cleanups.push(() => publisher.stop())
    await new Promise((r) => setTimeout(r, 1000))
    expect(publisher.connected).toBe(false)
    const errors = await metric('gridlet_mqtt_connection_events_total', { event: 'error' })
    expect(errors).toBeGreaterThanOrEqual(2)
    expect(errors).toBeLessThan(15)
  })
})
