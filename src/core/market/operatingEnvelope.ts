import { type Address, bytesToHex, type Hex, hashTypedData, hexToBytes, isAddressEqual } from 'viem'
import { GridletError } from '../errors.js'
import { recoverAddress, signDigest } from '../order/secp256k1.js'
import type { MarketDomain } from '../order/types.js'
import type { FlowLimit, GridClearing } from './grid.js'

/**
 * A dynamic operating envelope: the grid operator's flow limits for one interval of one market (as CSIP-AUS
 * envelopes or the German §14a signal), per feeder and transformer index, Wh. Signed with the operator's key as
 * EIP-712 typed data in the market's domain, so it cannot be replayed in another market or interval.
 */
export interface OperatingEnvelope {
  readonly market: Hex
  readonly interval: bigint
  readonly feederImportWh: readonly bigint[]
  readonly feederExportWh: readonly bigint[]
  readonly transformerImportWh: readonly bigint[]
  readonly transformerExportWh: readonly bigint[]
}

export interface SignedEnvelope {
  readonly envelope: OperatingEnvelope
  /** 65-byte secp256k1 signature r || s || v. */
  readonly signature: Hex
}

export const ENVELOPE_TYPES = {
  OperatingEnvelope: [
    { name: 'market', type: 'bytes32' },
    { name: 'interval', type: 'uint64' },
    { name: 'feederImportWh', type: 'uint64[]' },
    { name: 'feederExportWh', type: 'uint64[]' },
    { name: 'transformerImportWh', type: 'uint64[]' },
    { name: 'transformerExportWh', type: 'uint64[]' },
  ],
} as const

/** The envelope's EIP-712 digest in the market's domain. */
export function hashEnvelope(domain: MarketDomain, envelope: OperatingEnvelope): Hex {
  return hashTypedData({
    domain,
    types: ENVELOPE_TYPES,
    primaryType: 'OperatingEnvelope',
    message: { ...envelope },
  })
}

/**
 * Signs an envelope with the operator's key (deterministic, RFC 6979).
 *
 * @example
 * const signed = signEnvelope(operatorKey, domain, { market, interval: 1_500_000n, feederImportWh: [40_000n],
 *   feederExportWh: [25_000n], transformerImportWh: [90_000n], transformerExportWh: [60_000n] })
 */
export function signEnvelope(privateKey: Hex, domain: MarketDomain, envelope: OperatingEnvelope): SignedEnvelope {
  const digest = hexToBytes(hashEnvelope(domain, envelope))
  return { envelope, signature: bytesToHex(signDigest(digest, hexToBytes(privateKey))) }
}

/**
 * The account (lower-case hex) that signed the envelope in the market's domain; undefined for a signature no key
 * made.
 *
 * @example
 * const signer = envelopeSigner(domain, signed)
 * const fromOperator = signer !== undefined && isAddressEqual(signer, operator)
 */
export function envelopeSigner(domain: MarketDomain, signed: SignedEnvelope): Address | undefined {
  const signer = recoverAddress(hexToBytes(hashEnvelope(domain, signed.envelope)), hexToBytes(signed.signature))
  return signer ? bytesToHex(signer) : undefined
}

/**
 * Checks a signed envelope against the market's operator and the interval being cleared, and returns the grid
 * input with the envelope's limits in place of its own. Throws CLEARING_ENVELOPE naming the field otherwise.
 *
 * @example
 * const gridNow = applyEnvelope(grid, signed, { domain, operator, interval: 1_500_000n })
 * clear(orders, params, cancels, gridNow)
 */
export function applyEnvelope(
  grid: GridClearing,
  signed: SignedEnvelope,
  expect: {
    readonly domain: MarketDomain
    readonly operator: Address
    readonly market: Hex
    readonly interval: bigint
  },
): GridClearing {
  const e = signed.envelope
  if (e.market.toLowerCase() !== expect.market.toLowerCase()) throw envelopeError('market', `${e.market}`)
  if (e.interval !== expect.interval) throw envelopeError('interval', `${e.interval}, clearing ${expect.interval}`)
  const feeders = grid.transformerOf.length
  const transformers = Math.max(0, ...grid.transformerOf) + 1
  const lengths = [
    ['feederImportWh', feeders],
    ['feederExportWh', feeders],
    ['transformerImportWh', transformers],
    ['transformerExportWh', transformers],
  ] as const
  for (const [field, n] of lengths) {
    if (e[field].length !== n) throw envelopeError(field, `${e[field].length} values for ${n} elements`)
    if (e[field].some((v) => v < 0n || v >= 2n ** 64n)) throw envelopeError(field, 'values must be uint64')
  }
  const signer = envelopeSigner(expect.domain, signed)
  if (!signer || !isAddressEqual(signer, expect.operator)) {
    throw envelopeError('signature', 'not signed by the grid operator')
  }
  const pair = (imp: readonly bigint[], exp: readonly bigint[]): FlowLimit[] =>
    imp.map((importWh, i) => ({ importWh, exportWh: exp[i]! }))
  return {
    ...grid,
    limits: {
      feeders: pair(e.feederImportWh, e.feederExportWh),
      transformers: pair(e.transformerImportWh, e.transformerExportWh),
    },
  }
}

function envelopeError(field: string, details: string): GridletError {
  return new GridletError('operating envelope refused', { code: 'CLEARING_ENVELOPE', field, details })
}
