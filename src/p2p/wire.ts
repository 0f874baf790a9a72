import * as pb from '../../protocols/generated/gridlet.js'
import { GridletError } from '../core/errors.js'
import type { SignedOrder } from '../core/order/types.js'
import { fromWireOrder, MAX_ORDER_BYTES, toWireOrder } from '../core/protocol/codec.js'

export { MAX_ORDER_BYTES }

/**
 * Encodes a signed order as the market protocol's `Order` message (protocols/gridlet.proto) for the orders topic
 * and reconciliation.
 */
export function encodeSignedOrder(signed: SignedOrder): Uint8Array {
  return pb.Order.encode(toWireOrder(signed))
}

/**
 * Decodes a signed order; checks only what the encoding guarantees (size, lengths, side). Field rules and the
 * signature are `verifyOrder`'s job. Throws GridletError `WIRE_DECODE` naming the field.
 */
export function decodeSignedOrder(data: Uint8Array): SignedOrder {
  if (data.length > MAX_ORDER_BYTES) throw wireError('order', `${data.length} bytes > ${MAX_ORDER_BYTES}`)
  try {
    return fromWireOrder(pb.Order.decode(data), data.length)
  } catch (cause) {
    if (cause instanceof GridletError) throw wireError(cause.field ?? 'order', cause.shortMessage, cause)
    throw wireError('order', 'not an Order protobuf', cause)
  }
}

function wireError(field: string, details: string, cause?: unknown): GridletError {
  return new GridletError('undecodable message', { code: 'WIRE_DECODE', field, details, cause })
}
