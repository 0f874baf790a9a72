import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../config/loadConfig.js'
import { GridletError } from '../core/errors.js'
import { mqttInitOf } from './mqttInit.js'

const url = 'mqtt://broker.local:1883'
const ACCOUNT = '0x1A2b3C4d5E6f708192a3B4c5D6e7F80912345678'

function errorOf(fn: () => unknown): GridletError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(GridletError)
    return err as GridletError
  }
  throw new Error('expected an error')
}

describe('mqttInitOf', () => {
  it('reads the password from a file or the environment, never from the config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridlet-mqtt-'))
    writeFileSync(join(dir, 'mqtt-password'), 's3cret\n')
    writeFileSync(join(dir, 'empty'), '\n')
    const section = (extra: object) => parseConfig({ mqtt: { url, username: 'gw', ...extra } }, dir).mqtt!
    const init = (extra: object, env = {}) => mqttInitOf(section(extra), { account: ACCOUNT, baseDir: dir, env })
    expect(init({ passwordFile: 'mqtt-password' }).password).toBe('s3cret')
    expect(init({ passwordEnv: 'MQTT_PW' }, { MQTT_PW: 'from-env' }).password).toBe('from-env')
    expect(init({}).password).toBeUndefined()
    expect(errorOf(() => init({ passwordEnv: 'MQTT_PW' })).field).toBe('mqtt.passwordEnv')
    expect(errorOf(() => init({ passwordFile: 'missing' }))).toMatchObject({
      code: 'MQTT_CONFIG',
      field: 'mqtt.passwordFile',
    })
    expect(errorOf(() => init({ passwordFile: 'empty' })).field).toBe('mqtt.passwordFile')
    expect(errorOf(() => init({ caFile: 'missing.pem' })).field).toBe('mqtt.caFile')
    const i = init({})
    expect([i.clientId, i.nodeId, i.device.name]).toEqual(['gridlet-1a2b3c4d', 'gridlet_1a2b3c4d', 'gridlet 1a2b3c4d'])
    expect(i.publishMs).toBe(10_000)
    expect(i.reconnect).toEqual({ minMs: 1000, maxMs: 60_000 })
    expect(i.device.swVersion).toMatch(/^\d+\.\d+\.\d+/)
  })
})
