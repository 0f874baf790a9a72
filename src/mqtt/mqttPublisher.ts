import { connect, type IClientOptions, type MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { Clock } from '../core/time/clock.js'
import { type DeviceInfo, discoveryConfig } from './discoveryConfig.js'
import type { GatewayStateSource } from './gatewayState.js'
import { judgeMessage } from './judgeMessage.js'
import { latestOutbox, type OutboxMessage } from './latestOutbox.js'
import { createMqttMetrics, type MqttMetrics } from './mqttMetrics.js'
import { reconnectDelay } from './reconnectDelay.js'
import { gatewaySensors, type SensorSpec, type TokenUnit } from './sensors.js'
import { type TopicLayout, topicLayout } from './topics.js'

export interface MqttPublisherInit {
  readonly url: string
  readonly clientId: string
  /** Topic level of this node and Home Assistant node_id. */
  readonly nodeId: string
  readonly topicPrefix: string
  readonly discovery: { readonly enabled: boolean; readonly prefix: string }
  readonly username?: string
  readonly password?: string
  /** PEM of a private CA for mqtts/wss. */
  readonly ca?: string
  readonly qos: 0 | 1
  readonly publishMs: number
  readonly expireAfterS: number
  readonly keepaliveS: number
  readonly reconnect: { readonly minMs: number; readonly maxMs: number }
  readonly token: TokenUnit
  readonly device: DeviceInfo
  /** Every topic is republished at least this often, changed or not (so `expire_after` never fires on a live node). */
  readonly refreshMs?: number
  /** Bound of the outbox while the broker is away (topics). */
  readonly maxPendingTopics?: number
  /** Unacknowledged publishes on the wire before further ones wait in the outbox. */
  readonly maxInflight?: number
  readonly connectTimeoutMs?: number
  /** Home Assistant birth messages are answered at most this often (default 5 s): a flood costs one announcement. */
  readonly announceMinMs?: number
}

export interface MqttPublisherComponents {
  readonly clock: Clock
  readonly source: GatewayStateSource
  readonly logger: Logger
  readonly registry?: Registry
  /** Jitter source for reconnect delays. */
  readonly random?: () => number
}

/** Bytes buffered in the socket beyond which the connection counts as congested (a half-open TCP connection). */
const MAX_BUFFERED_BYTES = 256 * 1024

/**
 * Publishes the gateway's state to an MQTT broker with Home Assistant discovery. It never blocks or fails its
 * caller: `start` returns at once, connecting in the background; while the broker is away, state waits in a
 * bounded outbox holding only the latest value per topic, and the connection is retried with capped exponential
 * backoff. Availability is `online` after connecting and `offline` by last will (abrupt loss) or on `stop`.
 *
 * @example
 * const mqtt = mqttPublisher({ clock, source: () => gatewayState(), logger, registry }, init)
 * mqtt.start()
 * await mqtt.stop()
 */
export function mqttPublisher(components: MqttPublisherComponents, init: MqttPublisherInit): MqttPublisher {
  return new MqttPublisher(components, init)
}

export class MqttPublisher {
  readonly #c: MqttPublisherComponents
  readonly #init: MqttPublisherInit
  readonly #metrics: MqttMetrics | undefined
  readonly #sensors: readonly SensorSpec[]
  readonly topics: TopicLayout
  readonly #outbox: ReturnType<typeof latestOutbox>
  readonly #lastSent = new Map<string, { payload: string; atMs: number; stamp?: number }>()
  readonly #inflight = new Set<number>()
  readonly #controller = new AbortController()
  #client: MqttClient | undefined
  #seq = 0
  #attempt = 0
  #reconnectTimer: NodeJS.Timeout | undefined
  #loop: Promise<void> | undefined
  #lastAnnounce = Number.NEGATIVE_INFINITY
  #lastError: string | undefined
  #offlineLogged = false
  #sourceFailing = false

  constructor(components: MqttPublisherComponents, init: MqttPublisherInit) {
    this.#c = components
    this.#init = init
    this.#metrics = components.registry ? createMqttMetrics(components.registry) : undefined
    this.#sensors = gatewaySensors(init.token)
    this.topics = topicLayout({
      topicPrefix: init.topicPrefix,
      nodeId: init.nodeId,
      discoveryPrefix: init.discovery.prefix,
    })
    this.#outbox = latestOutbox(init.maxPendingTopics ?? 256, (outcome) => this.#metrics?.messages.inc({ outcome }))
  }

  /** True while a broker connection is up. */
  get connected(): boolean {
    return this.#client?.connected === true
  }

  /** Topics waiting for the broker. */
  get pending(): number {
    return this.#outbox.size
  }

  /** Connects in the background and starts the publication loop; returns at once. */
  start(): void {
    if (this.#loop || this.#controller.signal.aborted) return
    this.#connect()
    this.#loop = this.#run(this.#controller.signal)
  }

  /** Marks the node `offline` (if connected), disconnects and ends the loop; bounded in time. */
  async stop(): Promise<void> {
    if (this.#controller.signal.aborted) return
    this.#controller.abort(new Error('stopping'))
    clearTimeout(this.#reconnectTimer)
    await this.#loop
    const client = this.#client
    this.#client = undefined
    if (!client) return
    if (client.connected) {
      await within(1000, (done) =>
        client.publish(this.topics.availability, 'offline', { qos: this.#init.qos, retain: true }, () => done()),
      )
      await within(2000, (done) => client.end(false, {}, () => done()))
    }
    client.end(true)
    this.#metrics?.connected.set(0)
  }

  /** Reads the state once and queues every changed (or due for refresh) topic; sends what the connection takes. */
  publishNow(): void {
    let state: ReturnType<GatewayStateSource>
    try {
      state = this.#c.source()
    } catch (err) {
      this.#metrics?.sourceErrors.inc()
      if (!this.#sourceFailing) this.#c.logger.warn({ err }, 'mqtt: cannot read the node state; publishing later')
      this.#sourceFailing = true
      return
    }
    this.#sourceFailing = false
    const now = this.#c.clock.now()
    for (const spec of this.#sensors) {
      const value = spec.state(state)
      // A meter value is refreshed only with a newer reading: a dead meter must let HA's expire_after fire.
      const stamp = spec.fromMeter ? state.reading?.ts : undefined
      if (value !== undefined) this.#offer(this.topics.state(spec.key), value, now, stamp)
      const attributes = spec.attributes?.(state)
      if (attributes) this.#offer(this.topics.attributes(spec.key), JSON.stringify(attributes), now)
    }
    this.#flush()
  }

  async #run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      this.publishNow()
      try {
        await this.#c.clock.sleepUntil(this.#c.clock.now() + this.#init.publishMs, signal)
      } catch {
        return
      }
    }
  }

  #offer(topic: string, payload: string, now: number, stamp?: number): void {
    const last = this.#lastSent.get(topic)
    const refreshMs = this.#init.refreshMs ?? defaultRefreshMs(this.#init)
    if (last && last.payload === payload) {
      // Unchanged: sent again only when due for refresh, and a meter value only from a newer reading.
      const due = now - last.atMs >= refreshMs
      const newer = stamp === undefined || stamp !== last.stamp
      if (!due || !newer) return
    }
    this.#outbox.put({ topic, payload, retain: true, ...(stamp === undefined ? {} : { stamp }) })
  }

  #connect(): void {
    const init = this.#init
    const options: IClientOptions = {
      clientId: init.clientId,
      keepalive: init.keepaliveS,
      clean: true,
      // Reconnection is ours (capped exponential backoff, a fresh client each time: nothing carries over).
      reconnectPeriod: 0,
      connectTimeout: init.connectTimeoutMs ?? 10_000,
      queueQoSZero: false,
      will: { topic: this.topics.availability, payload: Buffer.from('offline'), qos: init.qos, retain: true },
      ...(init.username === undefined ? {} : { username: init.username }),
      ...(init.password === undefined ? {} : { password: init.password }),
      ...(init.ca === undefined ? {} : { ca: init.ca }),
    }
    let client: MqttClient
    try {
      client = connect(init.url, options)
    } catch (err) {
      this.#onError(err as Error)
      this.#scheduleReconnect()
      return
    }
    this.#client = client
    client.on('connect', () => this.#onConnect(client))
    client.on('message', (topic, payload, packet) => this.#onMessage(topic, payload, packet.retain))
    client.on('error', (err) => this.#onError(err))
    client.on('close', () => this.#onClose(client))
  }

  #onConnect(client: MqttClient): void {
    if (client !== this.#client) return
    this.#attempt = 0
    this.#lastError = undefined
    this.#offlineLogged = false
    this.#lastSent.clear()
    this.#metrics?.connected.set(1)
    this.#metrics?.connections.inc({ event: 'connect' })
    this.#c.logger.info({ url: redact(this.#init.url), base: this.topics.base }, 'mqtt: connected')
    this.#send(client, { topic: this.topics.availability, payload: 'online', retain: true })
    if (this.#init.discovery.enabled) {
      client.subscribe(this.topics.haStatus, { qos: this.#init.qos }, (err) => {
        if (err) this.#c.logger.warn({ err }, 'mqtt: cannot subscribe to the Home Assistant status')
      })
      this.#announce(client)
    }
    this.publishNow()
  }

  /** Publishes every discovery config (retained), straight to the wire: HA needs them before the states. */
  #announce(client: MqttClient): void {
    this.#lastAnnounce = this.#c.clock.now()
    for (const spec of this.#sensors) {
      const config = discoveryConfig(spec, this.topics, this.#init.device, {
        qos: this.#init.qos,
        expireAfterS: this.#init.expireAfterS,
      })
      this.#send(client, { topic: this.topics.discovery(spec.key), payload: JSON.stringify(config), retain: true })
    }
  }

  #onMessage(topic: string, payload: Uint8Array, retained: boolean): void {
    const v = judgeMessage(topic, payload, retained, this.topics.haStatus)
    const result = v.verdict === 'ACCEPT' ? 'accepted' : v.verdict === 'IGNORE' ? 'ignored' : 'rejected'
    const client = this.#client
    const tooSoon = this.#c.clock.now() - this.#lastAnnounce < (this.#init.announceMinMs ?? 5000)
    if (v.verdict === 'ACCEPT' && tooSoon) {
      this.#metrics?.received.inc({ result: 'ignored', code: 'RATE_LIMITED' })
      return
    }
    this.#metrics?.received.inc({ result, code: v.code })
    if (v.verdict === 'REJECT') this.#c.logger.debug({ topic, code: v.code }, 'mqtt: message rejected')
    if (v.verdict !== 'ACCEPT' || !client?.connected) return
    this.#c.logger.info('mqtt: Home Assistant came online; announcing discovery again')
    this.#announce(client)
    this.#lastSent.clear() // HA may have lost non-retained state: send everything again
    this.publishNow()
  }

  #onError(err: Error): void {
    this.#metrics?.connections.inc({ event: 'error' })
    // One line per distinct cause, not one per retry: an outage must not flood the log.
    if (err.message === this.#lastError) return
    this.#lastError = err.message
    this.#c.logger.warn({ err: { message: err.message, code: (err as { code?: unknown }).code } }, 'mqtt: error')
  }

  #onClose(client: MqttClient): void {
    if (client !== this.#client) return
    this.#metrics?.connected.set(0)
    this.#metrics?.connections.inc({ event: 'close' })
    this.#inflight.clear() // their callbacks are void now; the states are offered again after reconnecting
    client.removeAllListeners('connect').removeAllListeners('message').removeAllListeners('close')
    client.end(true) // releases the old client's stores and pending callbacks
    this.#client = undefined
    this.#scheduleReconnect()
  }

  #scheduleReconnect(): void {
    if (this.#controller.signal.aborted) return
    const delay = reconnectDelay(this.#attempt++, this.#init.reconnect, this.#c.random ?? Math.random)
    if (!this.#offlineLogged) {
      this.#offlineLogged = true
      this.#c.logger.warn({ url: redact(this.#init.url) }, 'mqtt: broker not reachable; retrying with backoff')
    }
    this.#reconnectTimer = setTimeout(() => {
      if (this.#controller.signal.aborted) return
      this.#metrics?.connections.inc({ event: 'reconnect' })
      this.#connect()
    }, delay)
    this.#reconnectTimer.unref()
  }

  #flush(): void {
    const client = this.#client
    while (this.#outbox.size > 0 && client && this.#canSend(client)) this.#send(client, this.#outbox.take()!)
    this.#metrics?.pending.set(this.#outbox.size)
  }

  #canSend(client: MqttClient): boolean {
    return (
      client.connected &&
      this.#inflight.size < (this.#init.maxInflight ?? 64) &&
      (client.stream?.writableLength ?? 0) < MAX_BUFFERED_BYTES
    )
  }

  #send(client: MqttClient, m: OutboxMessage): void {
    const token = ++this.#seq
    this.#inflight.add(token)
    // Counted as sent from here, so the next round does not send it again while its ack is on the way.
    const sent = { payload: m.payload, atMs: this.#c.clock.now(), ...(m.stamp === undefined ? {} : { stamp: m.stamp }) }
    this.#lastSent.set(m.topic, sent)
    client.publish(m.topic, m.payload, { qos: this.#init.qos, retain: m.retain }, (err) => {
      if (!this.#inflight.delete(token)) return // the connection closed meanwhile: all is offered again
      if (err) {
        this.#metrics?.messages.inc({ outcome: 'failed' })
        if (this.#lastSent.get(m.topic) === sent) this.#lastSent.delete(m.topic)
        return
      }
      this.#metrics?.messages.inc({ outcome: 'sent' })
      if (this.#outbox.size > 0) this.#flush()
    })
  }
}

function defaultRefreshMs(init: MqttPublisherInit): number {
  return init.expireAfterS > 0 ? Math.max(init.publishMs, (init.expireAfterS * 1000) / 3) : 300_000
}

/** Waits for `fn` to call back, or `ms`, whichever is first. */
function within(ms: number, fn: (done: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    fn(() => {
      clearTimeout(timer)
      resolve()
    })
  })
}

function redact(url: string): string {
  const u = new URL(url)
  u.username = ''
  u.password = ''
  return u.toString()
}
