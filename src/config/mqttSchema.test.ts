import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { GridletError } from '../core/errors.js'
import { configTemplate } from './configTemplate.js'
import { parseConfig } from './loadConfig.js'

const url = 'mqtt://broker.local:1883'

function errorOf(fn: () => unknown): GridletError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(GridletError)
    return err as GridletError
  }
  throw new Error('expected an error')
}
const fieldOf = (mqtt: unknown) => errorOf(() => parseConfig({ mqtt }, '/etc/gridlet')).field

describe('mqtt config section', () => {
  it('is off when absent and gets documented defaults when present', () => {
    expect(parseConfig({}, '/').mqtt).toBeUndefined()
    expect(parseConfig({ mqtt: { url } }, '/').mqtt).toEqual({
      url,
      topicPrefix: 'gridlet',
      discovery: { enabled: true, prefix: 'homeassistant' },
      qos: 1,
      publishS: 10,
      expireAfterS: 300,
      keepaliveS: 30,
      reconnect: { minS: 1, maxS: 60 },
      token: { symbol: 'gEUR', decimals: 6 },
    })
  })

  it('the template example, uncommented, is a valid section', () => {
    const text = configTemplate()
    const example = text.slice(text.indexOf('# mqtt:')).replace(/^# ?/gm, '')
    const section = parseConfig(parse(example), '/etc/gridlet').mqtt!
    expect(section.url).toBe('mqtt://homeassistant.local:1883')
    expect(section.passwordFile).toBe('mqtt-password')
  })

  it('names the bad field', () => {
    expect(fieldOf({})).toBe('mqtt.url')
    expect(fieldOf({ url: 'http://broker:1883' })).toBe('mqtt.url')
    expect(fieldOf({ url: 'broker.local' })).toBe('mqtt.url')
    expect(fieldOf({ url: 'mqtt://user:secret@broker.local' })).toBe('mqtt.url')
    for (const ok of ['mqtt://b', 'mqtts://b:8883', 'ws://b:9001/mqtt', 'wss://b/mqtt']) {
      expect(parseConfig({ mqtt: { url: ok } }, '/').mqtt!.url).toBe(ok)
    }
    expect(fieldOf({ url, topicPrefix: 'gridlet/#' })).toBe('mqtt.topicPrefix')
    expect(fieldOf({ url, topicPrefix: 'a/+/b' })).toBe('mqtt.topicPrefix')
    expect(fieldOf({ url, topicPrefix: '/gridlet' })).toBe('mqtt.topicPrefix')
    expect(fieldOf({ url, topicPrefix: 'a//b' })).toBe('mqtt.topicPrefix')
    expect(fieldOf({ url, topicPrefix: '$SYS' })).toBe('mqtt.topicPrefix')
    expect(fieldOf({ url, discovery: { prefix: 'home assistant' } })).toBe('mqtt.discovery.prefix')
    expect(fieldOf({ url, clientId: 'gridlet node' })).toBe('mqtt.clientId')
    expect(fieldOf({ url, nodeId: 'a/b' })).toBe('mqtt.nodeId')
    expect(fieldOf({ url, qos: 2 })).toBe('mqtt.qos')
    expect(fieldOf({ url, password: 'secret' })).toBe('mqtt.password')
    expect(fieldOf({ url, passwordFile: 'p', passwordEnv: 'P' })).toBe('mqtt.passwordEnv')
    expect(fieldOf({ url, passwordEnv: 'NOT-A-NAME' })).toBe('mqtt.passwordEnv')
    expect(fieldOf({ url, reconnect: { minS: 10, maxS: 5 } })).toBe('mqtt.reconnect.minS')
    expect(fieldOf({ url, token: { decimals: 1.5 } })).toBe('mqtt.token.decimals')
    expect(fieldOf({ url, publishS: 0 })).toBe('mqtt.publishS')
  })
})
