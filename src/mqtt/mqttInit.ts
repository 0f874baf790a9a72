import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import type { MqttSettings } from '../config/mqttSchema.js'
import { GridletError } from '../core/errors.js'
import type { MqttPublisherInit } from './mqttPublisher.js'

export interface MqttInitContext {
  /** Household account, 0x + 40 hex. */
  readonly account: string
  /** Directory of the config file: relative paths are resolved against it. */
  readonly baseDir: string
  readonly env: Readonly<Record<string, string | undefined>>
  /** gridlet's version for the HA device block; read from package.json when not given. */
  readonly swVersion?: string
  readonly readFile?: (path: string) => string
}

/**
 * Turns the validated `mqtt` config section into the publisher's init: derives ids from the account and reads
 * the password (file or environment) and the CA file. Throws a `GridletError` (code `MQTT_CONFIG`) naming the
 * field when a referenced secret is missing or empty, so a misconfigured node stops at start, not later.
 *
 * @example
 * const init = mqttInitOf(config.mqtt, { account, baseDir: config.baseDir, env: process.env })
 */
export function mqttInitOf(m: MqttSettings, ctx: MqttInitContext): MqttPublisherInit {
  const read = ctx.readFile ?? ((p: string) => readFileSync(p, 'utf8'))
  const short = ctx.account.slice(2, 10).toLowerCase()
  const password = passwordOf(m, ctx, read)
  const ca = m.caFile === undefined ? undefined : fileOf(m.caFile, 'mqtt.caFile', ctx, read)
  return {
    url: m.url,
    clientId: m.clientId ?? `gridlet-${short}`,
    nodeId: m.nodeId ?? `gridlet_${short}`,
    topicPrefix: m.topicPrefix,
    discovery: m.discovery,
    ...(m.username === undefined ? {} : { username: m.username }),
    ...(password === undefined ? {} : { password }),
    ...(ca === undefined ? {} : { ca }),
    qos: m.qos,
    publishMs: Math.round(m.publishS * 1000),
    expireAfterS: m.expireAfterS,
    keepaliveS: m.keepaliveS,
    reconnect: { minMs: Math.round(m.reconnect.minS * 1000), maxMs: Math.round(m.reconnect.maxS * 1000) },
    token: m.token,
    device: { account: ctx.account, name: `gridlet ${short}`, swVersion: ctx.swVersion ?? packageVersion() },
  }
}

function passwordOf(m: MqttSettings, ctx: MqttInitContext, read: (p: string) => string): string | undefined {
  if (m.passwordEnv !== undefined) {
    const value = ctx.env[m.passwordEnv]
    if (!value) {
      throw new GridletError(`environment variable ${m.passwordEnv} is not set or empty`, {
        code: 'MQTT_CONFIG',
        field: 'mqtt.passwordEnv',
        details: 'set it to the broker password, or use mqtt.passwordFile',
      })
    }
    return value
  }
  if (m.passwordFile === undefined) return undefined
  const line = fileOf(m.passwordFile, 'mqtt.passwordFile', ctx, read).split(/\r?\n/)[0]!
  if (line === '') {
    throw new GridletError('the MQTT password file is empty', { code: 'MQTT_CONFIG', field: 'mqtt.passwordFile' })
  }
  return line
}

function fileOf(path: string, field: string, ctx: MqttInitContext, read: (p: string) => string): string {
  const abs = isAbsolute(path) ? path : resolve(ctx.baseDir, path)
  try {
    return read(abs)
  } catch (cause) {
    throw new GridletError(`cannot read ${abs}`, { code: 'MQTT_CONFIG', field, cause })
  }
}

function packageVersion(): string {
  try {
    return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}
