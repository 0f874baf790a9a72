import { request } from 'node:http'
import { hostname } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type HttpServer, startHttpServer } from './startHttpServer.js'

/** GET /health on 127.0.0.1:port with the given Host header; resolves with the status code. */
function statusFor(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/health', headers: { host } }, (res) => {
      res.resume()
      resolve(res.statusCode!)
    })
    req.on('error', reject)
    req.end()
  })
}

describe('startHttpServer Host check (DNS rebinding)', () => {
  const servers: HttpServer[] = []
  beforeAll(async () => {
    for (const host of ['127.0.0.1', '0.0.0.0']) {
      servers.push(
        await startHttpServer({ host, port: 0, health: () => ({ status: 'ok', checks: {} }), status: () => ({}) }),
      )
    }
  })
  afterAll(async () => {
    for (const s of servers) await s.close()
  })

  it('refuses a foreign name whatever the bind address, answers the machine by address or its own name', async () => {
    for (const s of servers) {
      const port = Number(new URL(s.url).port)
      for (const foreign of ['evil.example', `evil.example:${port}`, '127.0.0.1.nip.io', '127.0.0.1@evil.example'])
        expect([s.url, foreign, await statusFor(port, foreign)]).toEqual([s.url, foreign, 421])
      const own = [`127.0.0.1:${port}`, 'localhost', `[::1]:${port}`, '192.168.1.20', 'gateway.localhost']
      for (const name of [...own, hostname(), `${hostname()}.local:${port}`])
        expect([s.url, name, await statusFor(port, name)]).toEqual([s.url, name, 200])
    }
  })
})
