import type { IncomingMessage, ServerResponse } from 'node:http'
import { Counter, type Registry } from 'prom-client'
import type { Hex } from 'viem'
import { GridletError } from '../core/errors.js'
import type { SignedEnvelope } from '../core/market/operatingEnvelope.js'
import { toJson } from '../store/codec.js'
import { MAX_ENVELOPE_BODY_BYTES, parseEnvelopeJson } from './envelopeJson.js'
import { send } from './respond.js'

export const ENVELOPE_PATH = '/api/envelope'

/** What the node did with an envelope it took: gossiped it, or it was already the one in force. */
export interface TakenEnvelope {
  readonly interval: bigint
  readonly digest: Hex
  readonly published: boolean
}

/**
 * The node's side of `POST /api/envelope`: authenticates the envelope by its signature (the market's grid
 * operator), judges it as the peers will and gossips it. Throws a GridletError whose code says why not.
 */
export type EnvelopeIntake = (signed: SignedEnvelope) => Promise<TakenEnvelope>

/** HTTP status per refusal code; a code not listed is the node's fault (500). */
const STATUS: Readonly<Record<string, number>> = {
  HTTP_ENVELOPE_METHOD: 405,
  HTTP_ENVELOPE_TOO_LARGE: 413,
  HTTP_ENVELOPE_MEDIA_TYPE: 415,
  HTTP_ENVELOPE_INVALID: 400,
  NODE_ENVELOPE_FORBIDDEN: 403,
  NODE_ENVELOPE_NO_OPERATOR: 404,
  P2P_ENVELOPE_LATE: 409,
  P2P_ENVELOPE_REFUSED: 422,
  NODE_ENVELOPE_NO_PEERS: 503,
  NODE_P2P_NOT_STARTED: 503,
}

/**
 * `POST /api/envelope`: a JSON signed envelope (`envelopeToJson`) of at most 64 KiB, `content-type:
 * application/json` (a cross-site form cannot send it without a CORS preflight, which this server never grants).
 * The signature is the authentication: an envelope the market's grid operator did not sign is refused with 403
 * `NODE_ENVELOPE_FORBIDDEN` before anything else is done with it. Answers 202 with the interval and digest, or
 * 4xx/5xx with `{ error, field, message, details }`; every request is counted by outcome in
 * `gridlet_http_envelope_requests_total`.
 *
 * @example
 * const route = envelopeRoute((signed) => network.publishEnvelope(signed), registry)
 */
export function envelopeRoute(
  intake: EnvelopeIntake,
  registry?: Registry,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const requests = new Counter({
    name: 'gridlet_http_envelope_requests_total',
    help: 'POST /api/envelope requests by outcome (published, in-force, or the refusal code)',
    labelNames: ['outcome'],
    registers: registry ? [registry] : [],
  })
  return async (req, res) => {
    try {
      const signed = parseEnvelopeJson(await readBody(req))
      const taken = await intake(signed)
      requests.inc({ outcome: taken.published ? 'published' : 'in-force' })
      send(res, 202, 'application/json', toJson(taken))
    } catch (err) {
      if (!(err instanceof GridletError)) {
        requests.inc({ outcome: 'INTERNAL' })
        throw err
      }
      const { code } = err
      requests.inc({ outcome: code })
      const close = code === 'HTTP_ENVELOPE_TOO_LARGE' ? { connection: 'close' } : undefined
      send(
        res,
        STATUS[code] ?? 500,
        'application/json',
        JSON.stringify({ error: code, field: err.field, message: err.shortMessage, details: err.details }),
        { ...close, ...(code === 'HTTP_ENVELOPE_METHOD' ? { allow: 'POST' } : {}) },
      )
    }
  }
}

/** The request body as text, refused early when it is not a POST of JSON or would exceed the bound. */
function readBody(req: IncomingMessage): Promise<string> {
  if (req.method !== 'POST') throw refusal('HTTP_ENVELOPE_METHOD', 'method', `${req.method}: only POST`)
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/json')
    throw refusal('HTTP_ENVELOPE_MEDIA_TYPE', 'content-type', `"${type}": expected application/json`)
  const tooLarge = () => refusal('HTTP_ENVELOPE_TOO_LARGE', '(body)', `more than ${MAX_ENVELOPE_BODY_BYTES} bytes`)
  if (Number(req.headers['content-length'] ?? 0) > MAX_ENVELOPE_BODY_BYTES) throw tooLarge()
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_ENVELOPE_BODY_BYTES) return void chunks.push(chunk)
      // Stop keeping it; the rest is drained until the answer closes the connection (requestTimeout bounds it).
      req.off('data', onData)
      req.resume()
      reject(tooLarge())
    }
    req.on('data', onData)
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.once('error', reject)
  })
}

function refusal(code: string, field: string, details: string): GridletError {
  return new GridletError('envelope request refused', { code, field, details })
}
