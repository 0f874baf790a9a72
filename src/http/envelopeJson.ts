import type { Hex } from 'viem'
import { z } from 'zod'
import { GridletError } from '../core/errors.js'
import type { SignedEnvelope } from '../core/market/operatingEnvelope.js'

/** Largest envelope request body, bytes: 4 lists of 256 uint64 in decimal fit with room to spare. */
export const MAX_ENVELOPE_BODY_BYTES = 64 * 1024
/** Values per list, as on the envelope topic (docs/protocol.md, "Operating envelopes"). */
const MAX_VALUES = 256

const uint64 = z
  .string()
  .regex(/^(0|[1-9]\d{0,19})$/, 'expected a whole number of Wh as a decimal string')
  .transform((v) => BigInt(v))
  .refine((v) => v < 2n ** 64n, 'expected a uint64')
const list = z.array(uint64).max(MAX_VALUES)

const bodySchema = z
  .object({
    envelope: z
      .object({
        market: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected 0x followed by 64 hex digits'),
        interval: uint64,
        feederImportWh: list,
        feederExportWh: list,
        transformerImportWh: list,
        transformerExportWh: list,
      })
      .strict(),
    signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'expected a 65-byte signature, 0x followed by 130 hex digits'),
  })
  .strict()

/**
 * The JSON of a signed envelope as `POST /api/envelope` takes it (and `gridlet envelope publish` sends it): every
 * Wh value and the interval as a decimal string.
 *
 * @example
 * await fetch(`${node}/api/envelope`, { method: 'POST', headers: { 'content-type': 'application/json' },
 *   body: envelopeToJson(signEnvelope(operatorKey, domain, envelope)) })
 */
export function envelopeToJson(signed: SignedEnvelope): string {
  return JSON.stringify(signed, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))
}

/**
 * Parses and shape-checks a request body into a signed envelope (the signature is checked by the node). Throws
 * `HTTP_ENVELOPE_INVALID` whose `field` is the path of the first bad value (e.g. `envelope.feederImportWh.2`).
 *
 * @example
 * const signed = parseEnvelopeJson(body)
 */
export function parseEnvelopeJson(text: string): SignedEnvelope {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (cause) {
    throw new GridletError('the envelope is not valid JSON', {
      code: 'HTTP_ENVELOPE_INVALID',
      field: '(body)',
      details: (cause as Error).message,
      cause,
    })
  }
  const r = bodySchema.safeParse(raw)
  if (!r.success) {
    const issue = r.error.issues[0]!
    const path = issue.path.map(String)
    if (issue.code === 'unrecognized_keys') path.push(issue.keys[0]!)
    const field = path.join('.') || '(body)'
    throw new GridletError(`invalid envelope: ${field}: ${issue.message}`, {
      code: 'HTTP_ENVELOPE_INVALID',
      field,
      details: issue.message,
    })
  }
  const { envelope, signature } = r.data
  return { envelope: { ...envelope, market: envelope.market as Hex }, signature: signature as Hex }
}
