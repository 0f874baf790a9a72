import { request } from 'node:http'
import { Registry } from 'prom-client'
import { generatePrivateKey } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GridletError } from '../core/errors.js'
import { type SignedEnvelope, signEnvelope } from '../core/market/operatingEnvelope.js'
import { TEST_DOMAIN } from '../core/market/testBooks.js'
import { envelopeToJson, MAX_ENVELOPE_BODY_BYTES, parseEnvelopeJson } from './envelopeJson.js'
import type { EnvelopeIntake } from './postEnvelope.js'
import { type HttpServer, startHttpServer } from './startHttpServer.js'

const MARKET = `0x${'ab'.repeat(32)}` as const
const signed = signEnvelope(generatePrivateKey(), TEST_DOMAIN, {
  market: MARKET,
  interval: 1_000n,
  feederImportWh: [40_000n, 2n ** 64n - 1n],
  feederExportWh: [25_000n, 0n],
  transformerImportWh: [90_000n],
  transformerExportWh: [60_000n],
})

/** One request to the server; resolves with the status and the parsed JSON body (or the text). */
function call(
  port: number,
  o: { method?: string; host?: string; type?: string; body?: string | Buffer; path?: string },
): Promise<{ status: number; body: Record<string, unknown> | string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: o.method ?? 'POST',
        path: o.path ?? '/api/envelope',
        headers: { host: o.host ?? `127.0.0.1:${port}`, 'content-type': o.type ?? 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let body: Record<string, unknown> | string = text
          try {
            body = JSON.parse(text)
          } catch {}
          resolve({ status: res.statusCode!, body, headers: res.headers })
        })
      },
    )
    req.on('error', reject)
    req.end(o.body)
  })
}

describe('POST /api/envelope', () => {
  let server: HttpServer
  let port: number
  const registry = new Registry()
  const taken: SignedEnvelope[] = []
  // The node's side, as the production interface: refuses what its operator did not sign, by code.
  const intake: EnvelopeIntake = async (s) => {
    if (s.signature !== signed.signature)
      throw new GridletError('not the operator', { code: 'NODE_ENVELOPE_FORBIDDEN', field: 'signature' })
    taken.push(s)
    return { interval: s.envelope.interval, digest: '0x01', published: taken.length === 1 }
  }
  beforeAll(async () => {
    server = await startHttpServer({
      host: '0.0.0.0',
      port: 0,
      health: () => ({ status: 'ok', checks: {} }),
      status: () => ({}),
      registry,
      envelope: intake,
    })
    port = Number(new URL(server.url).port)
  })
  afterAll(() => server.close())

  it('round-trips the JSON of a signed envelope, uint64 values exact', () => {
    expect(parseEnvelopeJson(envelopeToJson(signed))).toEqual(signed)
  })

  it('hands a well-formed envelope to the node and answers 202 with its interval and digest', async () => {
    const r = await call(port, { body: envelopeToJson(signed) })
    expect(r).toMatchObject({ status: 202, body: { interval: '1000', digest: '0x01', published: true } })
    expect(taken).toEqual([signed])
    expect((await call(port, { body: envelopeToJson(signed) })).body).toMatchObject({ published: false })
  })

  it('refuses with the status and named error of each fault, and counts every outcome', async () => {
    const json = JSON.parse(envelopeToJson(signed))
    const faults: [Parameters<typeof call>[1], number, string, string?][] = [
      [{ host: 'evil.example' }, 421, ''],
      [{ method: 'GET' }, 405, 'HTTP_ENVELOPE_METHOD', 'method'],
      [{ type: 'text/plain', body: envelopeToJson(signed) }, 415, 'HTTP_ENVELOPE_MEDIA_TYPE', 'content-type'],
      [{ body: Buffer.alloc(MAX_ENVELOPE_BODY_BYTES + 1, 32) }, 413, 'HTTP_ENVELOPE_TOO_LARGE', '(body)'],
      [{ body: '{"envelope":' }, 400, 'HTTP_ENVELOPE_INVALID', '(body)'],
      [{ body: JSON.stringify({ ...json, extra: 1 }) }, 400, 'HTTP_ENVELOPE_INVALID', 'extra'],
      [{ body: JSON.stringify({ ...json, signature: '0x12' }) }, 400, 'HTTP_ENVELOPE_INVALID', 'signature'],
      [
        { body: JSON.stringify({ ...json, envelope: { ...json.envelope, feederImportWh: ['1', `${2n ** 64n}`] } }) },
        400,
        'HTTP_ENVELOPE_INVALID',
        'envelope.feederImportWh.1',
      ],
      [
        { body: JSON.stringify({ ...json, envelope: { ...json.envelope, interval: 5 } }) },
        400,
        'HTTP_ENVELOPE_INVALID',
        'envelope.interval',
      ],
      [
        { body: JSON.stringify({ ...json, envelope: { ...json.envelope, feederExportWh: Array(257).fill('1') } }) },
        400,
        'HTTP_ENVELOPE_INVALID',
        'envelope.feederExportWh',
      ],
      [
        { body: JSON.stringify({ ...json, signature: `0x${'11'.repeat(65)}` }) },
        403,
        'NODE_ENVELOPE_FORBIDDEN',
        'signature',
      ],
    ]
    for (const [req, status, error, field] of faults) {
      const r = await call(port, req)
      expect([req.host ?? req.method ?? req.type ?? error, r.status]).toEqual([
        req.host ?? req.method ?? req.type ?? error,
        status,
      ])
      if (error) expect(r.body).toMatchObject({ error, field })
    }
    expect(taken).toHaveLength(2) // none of the faults reached the node
    const counted = (await registry.getSingleMetric('gridlet_http_envelope_requests_total')!.get()).values
    const count = (outcome: string) => counted.find((v) => v.labels.outcome === outcome)?.value
    expect(count('published')).toBe(1)
    expect(count('in-force')).toBe(1)
    expect(count('HTTP_ENVELOPE_INVALID')).toBe(6)
    expect(count('NODE_ENVELOPE_FORBIDDEN')).toBe(1)
    expect(count('HTTP_ENVELOPE_TOO_LARGE')).toBe(1)
  })

  it('stops reading a chunked body (no length) at the bound and answers 413', async () => {
    const r = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/envelope',
          headers: { host: 'localhost', 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        },
        (res) => {
          res.resume()
          resolve(res.statusCode!)
        },
      )
      req.on('error', reject)
      const chunk = Buffer.alloc(8192, 32)
      for (let i = 0; i < 2 * (MAX_ENVELOPE_BODY_BYTES / chunk.length); i++) req.write(chunk)
      req.end()
    })
    expect(r).toBe(413)
  })

  it('keeps every other route GET-only', async () => {
    expect((await call(port, { path: '/api/status', body: '{}' })).status).toBe(405)
    expect((await call(port, { path: '/api/status', method: 'GET' })).status).toBe(200)
  })
})
