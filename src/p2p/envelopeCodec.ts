import { bytesToHex, type Hex, hexToBytes as viemHexToBytes } from 'viem'
import * as wire from '../../protocols/generated/gridlet.js'
import type { SignedEnvelope } from '../core/market/operatingEnvelope.js'
import { PROTOCOL_VERSION, ProtocolError } from '../core/protocol/index.js'

/** Feeders or transformers one envelope may name: a low-voltage network has a handful; the bound caps decoding. */
export const MAX_ENVELOPE_ELEMENTS = 256

/** 4 lists of uint64 (at most 11 bytes each with its tag), the market, interval and signature: well below 16 KiB. */
export const MAX_ENVELOPE_BYTES = 16 * 1024

/**
 * The gossip topic of a market's operating envelopes: `/gridlet/<market id hex>/<version>/envelopes`. Its own
 * topic (not the orders topic): only markets with a grid operator subscribe, and its scoring is its own.
 */
export function envelopeTopic(market: Hex): string {
  return `/gridlet/${market.toLowerCase()}/${PROTOCOL_VERSION}/envelopes`
}

/**
 * Encodes a signed envelope (protocols/gridlet.proto `SignedEnvelope`).
 *
 * @example
 * pubsub.publish(envelopeTopic(market), encodeEnvelope(signEnvelope(operatorKey, domain, envelope)))
 */
export function encodeEnvelope(signed: SignedEnvelope): Uint8Array {
  const e = signed.envelope
  return wire.SignedEnvelope.encode({
    market: hexToBytes(e.market),
    interval: e.interval,
    feederImportWh: [...e.feederImportWh],
    feederExportWh: [...e.feederExportWh],
    transformerImportWh: [...e.transformerImportWh],
    transformerExportWh: [...e.transformerExportWh],
    signature: hexToBytes(signed.signature),
  })
}

/**
 * Decodes and shape-checks a signed envelope; throws `ProtocolError` (PROTOCOL_DECODE) naming the field. The
 * signature and the list lengths against the network are judged by the validator.
 */
export function decodeEnvelope(bytes: Uint8Array): SignedEnvelope {
  if (bytes.length > MAX_ENVELOPE_BYTES) throw new ProtocolError('envelope', 'envelope too large', `${bytes.length}`)
  const n = MAX_ENVELOPE_ELEMENTS
  let m: wire.SignedEnvelope
  try {
    m = wire.SignedEnvelope.decode(bytes, {
      limits: { feederImportWh: n, feederExportWh: n, transformerImportWh: n, transformerExportWh: n },
    })
  } catch (cause) {
    throw new ProtocolError('envelope', 'not a gridlet envelope', String(cause))
  }
  if (m.market.length !== 32) throw new ProtocolError('market', 'expected 32 bytes', `${m.market.length}`)
  if (m.signature.length !== 65) throw new ProtocolError('signature', 'expected 65 bytes', `${m.signature.length}`)
  return {
    envelope: {
      market: bytesToHex(m.market),
      interval: m.interval,
      feederImportWh: m.feederImportWh,
      feederExportWh: m.feederExportWh,
      transformerImportWh: m.transformerImportWh,
      transformerExportWh: m.transformerExportWh,
    },
    signature: bytesToHex(m.signature),
  }
}

function hexToBytes(hex: Hex): Uint8Array<ArrayBuffer> {
  return new Uint8Array(viemHexToBytes(hex))
}
