import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { Aedes } from 'aedes'
import { connectAsync, type MqttClient } from 'mqtt'
import { freePort } from '../../src/chain/anvil.js'

export const MOSQUITTO = '/usr/sbin/mosquitto'

export interface TestBroker {
  readonly url: string
  readonly port: number
  /** Stops the broker, dropping every connection at once (like a broker crash or a pulled cable). */
  close(): Promise<void>
}

/** An in-process aedes broker on 127.0.0.1 (port 0: a free one; or the given port, e.g. to restart it). */
export async function startAedes(port = 0): Promise<TestBroker> {
  const aedes = await Aedes.createBroker()
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    aedes.handle(socket)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', resolve)
  })
  const bound = (server.address() as { port: number }).port
  return {
    url: `mqtt://127.0.0.1:${bound}`,
    port: bound,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await new Promise<void>((resolve) => aedes.close(() => resolve()))
    },
  }
}

/** Debian's mosquitto on a free port with a temp config; `users` enables password authentication. */
export async function startMosquitto(users?: Record<string, string>): Promise<TestBroker & { proc: ChildProcess }> {
  const dir = mkdtempSync(join(tmpdir(), 'gridlet-mosquitto-'))
  const port = await freePort()
  // As root, mosquitto drops to user `mosquitto`, which cannot read our temp dir: stay who we are.
  const lines = [`listener ${port} 127.0.0.1`, `user ${userInfo().username}`, 'persistence false', 'log_dest stderr']
  lines.push('log_type error')
  if (users) {
    const passwd = join(dir, 'passwd')
    writeFileSync(passwd, '')
    for (const [user, password] of Object.entries(users)) {
      const r = spawn('/usr/bin/mosquitto_passwd', ['-b', passwd, user, password], { stdio: 'ignore' })
      await new Promise((resolve) => r.on('exit', resolve))
    }
    lines.push('allow_anonymous false', `password_file ${passwd}`)
  } else {
    lines.push('allow_anonymous true')
  }
  writeFileSync(join(dir, 'mosquitto.conf'), `${lines.join('\n')}\n`)
  const proc = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  proc.stderr?.on('data', (d) => {
    stderr += d
  })
  const url = `mqtt://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    try {
      const probe = await connectAsync(url, { reconnectPeriod: 0, connectTimeout: 500, ...credentials(users) })
      await probe.endAsync()
      break
    } catch (err) {
      // A refused login still proves the broker is up.
      if ((err as { code?: number }).code === 5 || (err as { code?: number }).code === 4) break
      if (i > 100 || proc.exitCode !== null) throw new Error(`mosquitto did not start: ${stderr}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  return {
    url,
    port,
    proc,
    close: async () => {
      if (proc.exitCode !== null) return
      proc.kill('SIGTERM')
      await new Promise((resolve) => proc.once('exit', resolve))
    },
  }
}

function credentials(users?: Record<string, string>) {
  const first = users && Object.entries(users)[0]
  return first ? { username: first[0], password: first[1] } : {}
}

export interface Received {
  readonly topic: string
  readonly payload: string
  readonly retain: boolean
}

/**
 * A client that subscribes as Home Assistant or Node-RED would and records what it gets. `latest(topic)` is
 * the last message on a topic; `waitFor` polls until a predicate holds.
 */
export async function subscriber(url: string, filters: string[], opts: { username?: string; password?: string } = {}) {
  const client: MqttClient = await connectAsync(url, { reconnectPeriod: 0, ...opts })
  const messages: Received[] = []
  client.on('message', (topic, payload, packet) =>
    messages.push({ topic, payload: payload.toString('utf8'), retain: packet.retain }),
  )
  await client.subscribeAsync(filters, { qos: 1 })
  const latest = (topic: string) => messages.findLast((m) => m.topic === topic)
  return {
    client,
    messages,
    latest,
    json: (topic: string) => JSON.parse(latest(topic)!.payload) as Record<string, unknown>,
    async waitFor(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
      const until = Date.now() + timeoutMs
      while (!ok()) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
        await new Promise((r) => setTimeout(r, 20))
      }
    },
    close: () => client.endAsync(true),
  }
}

const PUBLISHER_CHILD = new URL('./publisherChild.ts', import.meta.url).pathname

/**
 * Starts a publisher in a child process against `brokerUrl`, waits until it is online, kills it with SIGKILL and
 * returns the availability a client subscribing afterwards gets (HA after a restart): the retained last will.
 * `cleanups` receives what the caller must close.
 */
export async function availabilityAfterKill(
  brokerUrl: string,
  availabilityTopic: string,
  cleanups: (() => Promise<unknown>)[],
): Promise<Received | undefined> {
  const s = await subscriber(brokerUrl, [availabilityTopic])
  cleanups.push(() => s.close())
  const child = spawn(process.execPath, ['--import', 'tsx', PUBLISHER_CHILD], {
    env: { ...process.env, BROKER_URL: brokerUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes('published') && resolve())
    child.once('exit', (code) => reject(new Error(`child exited with ${code}`)))
  })
  await s.waitFor('online', () => s.latest(availabilityTopic)?.payload === 'online')
  child.kill('SIGKILL')
  await s.waitFor('last will', () => s.latest(availabilityTopic)?.payload === 'offline')
  const late = await subscriber(brokerUrl, [availabilityTopic])
  cleanups.push(() => late.close())
  await late.waitFor('retained offline', () => late.latest(availabilityTopic)?.retain === true)
  return late.latest(availabilityTopic)
}
