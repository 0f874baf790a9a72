import { bytesToHex, getAddress, type Hex } from 'viem'
import { GridletError } from '../core/errors.js'
import type { SignedOrder } from '../core/order/types.js'
import { bytes } from './binding.js'
import { WireOrder } from './pb/p2p.js'

/** An encoded signed order is ~170 bytes; anything much larger is junk and is refused before decoding. */
export const MAX_ORDER_BYTES = 512

/** Encodes a signed order for gossip and reconciliation. */
export function encodeSignedOrder(signed: SignedOrder): Uint8Array {
  const { order } = signed
  return WireOrder.encode({
    market: bytes(order.market),
    interval: order.interval,
    side: order.side,
    quantityWh: order.quantityWh,
    limitPrice: bigintToBytes(order.limitPrice),
    account: bytes(order.account),
    nonce: order.nonce,
    expiry: order.expiry,
    signature: bytes(signed.signature),
  })
}

/**
 * Decodes a signed order; checks only what the encoding itself guarantees (lengths). Field rules and the
 * signature are `verifyOrder`'s job. Throws GridletError `WIRE_DECODE` naming the field.
 */
export function decodeSignedOrder(data: Uint8Array): SignedOrder {
  if (data.length > MAX_ORDER_BYTES) throw wireError('order', `${data.length} bytes > ${MAX_ORDER_BYTES}`)
  let w: WireOrder
  try {
    w = WireOrder.decode(data)
  } catch (cause) {
    throw wireError('order', 'not a WireOrder protobuf', cause)
  }
  if (w.market.length !== 32) throw wireError('market', 'must be 32 bytes')
  if (w.account.length !== 20) throw wireError('account', 'must be 20 bytes')
  if (w.signature.length !== 65) throw wireError('signature', 'must be 65 bytes')
  if (w.limitPrice.length > 16) throw wireError('limitPrice', 'must be at most 16 bytes')
  if (w.side !== 0 && w.side !== 1) throw wireError('side', `must be 0 or 1, got ${w.side}`)
  return {
    order: {
      market: bytesToHex(w.market),
      interval: w.interval,
      side: w.side,
      quantityWh: w.quantityWh,
      limitPrice: w.limitPrice.length === 0 ? 0n : BigInt(bytesToHex(w.limitPrice)),
      account: getAddress(bytesToHex(w.account)),
      nonce: w.nonce,
      expiry: w.expiry,
    },
    signature: bytesToHex(w.signature),
  }
}

function bigintToBytes(v: bigint): Uint8Array<ArrayBuffer> {
  if (v === 0n) return new Uint8Array(0)
  const hex = v.toString(16)
  return bytes(`0x${hex.length % 2 ? '0' : ''}${hex}` as Hex)
}

function wireError(field: string, details: string, cause?: unknown): GridletError {
  return new GridletError('undecodable message', { code: 'WIRE_DECODE', field, details, cause })
}
