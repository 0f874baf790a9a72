import { type Address, bytesToHex, getAddress, type Hex, hexToBytes as viemHexToBytes } from 'viem'
import * as wire from '../../../protocols/generated/gridlet.js'
import { GridletError } from '../errors.js'
import type { SignedCancel, SignedOrder } from '../order/types.js'
import type { IntervalDigest, ResultAnnouncement, Signed } from './announcements.js'

/** Size limits per message, checked before decoding so a peer cannot make us parse a flood. */
export const MAX_ORDER_BYTES = 256
export const MAX_CANCEL_BYTES = 256
export const MAX_RESULT_BYTES = 320
/** A digest may list up to 1,800 ids; a set it does not list is fetched by its hash and checked against it. */
export const MAX_DIGEST_IDS = 1_800
export const MAX_GOSSIP_BYTES = 64 * 1024

export type GossipMessage =
  | { readonly type: 'order'; readonly order: SignedOrder }
  | { readonly type: 'cancel'; readonly cancel: SignedCancel }
  | { readonly type: 'digest'; readonly digest: Signed<IntervalDigest> }
  | { readonly type: 'result'; readonly result: Signed<ResultAnnouncement> }

export class ProtocolError extends GridletError {
  override name = 'ProtocolError'
  constructor(field: string, shortMessage: string, details?: string) {
    super(
      shortMessage,
      details === undefined ? { code: 'PROTOCOL_DECODE', field } : { code: 'PROTOCOL_DECODE', field, details },
    )
  }
}

/**
 * Encodes a gossip message (protobuf, protocols/gridlet.proto).
 *
 * @example
 * pubsub.publish(topic, encodeGossip({ type: 'order', order: signed }))
 */
export function encodeGossip(msg: GossipMessage): Uint8Array {
  switch (msg.type) {
    case 'order':
      return wire.GossipMessage.encode({ order: toWireOrder(msg.order) })
    case 'cancel':
      return wire.GossipMessage.encode({ cancel: toWireCancel(msg.cancel) })
    case 'digest':
      return wire.GossipMessage.encode({ digest: toWireDigest(msg.digest) })
    case 'result':
      return wire.GossipMessage.encode({ result: toWireResult(msg.result) })
  }
}

/**
 * Decodes and shape-checks a gossip message; throws `ProtocolError` naming the field. Signatures are not checked
 * here (see verifyOrder / verifyCancel / verifyAnnouncement).
 */
export function decodeGossip(bytes: Uint8Array): GossipMessage {
  if (bytes.length > MAX_GOSSIP_BYTES) throw new ProtocolError('message', 'message too large', `${bytes.length} bytes`)
  let m: wire.GossipMessage
  try {
    m = wire.GossipMessage.decode(bytes, { limits: { digest: { ids: MAX_DIGEST_IDS } } })
  } catch (cause) {
    throw new ProtocolError('message', 'not a gridlet protobuf message', String(cause))
  }
  const set = [m.order, m.cancel, m.digest, m.result].filter((x) => x !== undefined)
  if (set.length !== 1) throw new ProtocolError('body', 'exactly one of order, cancel, digest, result must be set')
  if (m.order) return { type: 'order', order: fromWireOrder(m.order, bytes.length) }
  if (m.cancel) return { type: 'cancel', cancel: fromWireCancel(m.cancel, bytes.length) }
  if (m.digest) return { type: 'digest', digest: fromWireDigest(m.digest) }
  return { type: 'result', result: fromWireResult(m.result!, bytes.length) }
}

export function toWireOrder({ order: o, signature }: SignedOrder): wire.Order {
  return {
    market: hexToBytes(o.market),
    interval: o.interval,
    side: o.side,
    quantityWh: o.quantityWh,
    limitPrice: minimalBytes(o.limitPrice),
    account: hexToBytes(o.account),
    nonce: o.nonce,
    expiry: o.expiry,
    signature: hexToBytes(signature),
  }
}

export function fromWireOrder(w: wire.Order, size = 0): SignedOrder {
  if (size > MAX_ORDER_BYTES) throw new ProtocolError('order', 'order message too large', `${size} bytes`)
  if (w.side !== 0 && w.side !== 1) throw new ProtocolError('order.side', 'side must be 0 (buy) or 1 (sell)')
  return {
    order: {
      market: fixed(w.market, 32, 'order.market'),
      interval: w.interval,
      side: w.side,
      quantityWh: w.quantityWh,
      limitPrice: minimalUint(w.limitPrice, 16, 'order.limitPrice'),
      account: address(w.account, 'order.account'),
      nonce: w.nonce,
      expiry: w.expiry,
    },
    signature: fixed(w.signature, 65, 'order.signature'),
  }
}

function toWireCancel({ cancel: c, signature }: SignedCancel): wire.Cancel {
  return {
    market: hexToBytes(c.market),
    interval: c.interval,
    account: hexToBytes(c.account),
    orderId: hexToBytes(c.orderId),
    signature: hexToBytes(signature),
  }
}

function fromWireCancel(w: wire.Cancel, size: number): SignedCancel {
  if (size > MAX_CANCEL_BYTES) throw new ProtocolError('cancel', 'cancel message too large', `${size} bytes`)
  return {
    cancel: {
      market: fixed(w.market, 32, 'cancel.market'),
      interval: w.interval,
      account: address(w.account, 'cancel.account'),
      orderId: fixed(w.orderId, 32, 'cancel.orderId'),
    },
    signature: fixed(w.signature, 65, 'cancel.signature'),
  }
}

function toWireDigest({ body: d, signature }: Signed<IntervalDigest>): wire.IntervalDigest {
  return {
    market: hexToBytes(d.market),
    interval: d.interval,
    count: d.count,
    setHash: hexToBytes(d.setHash),
    ids: d.ids.map((id) => hexToBytes(id)),
    account: hexToBytes(d.account),
    signature: hexToBytes(signature),
  }
}

function fromWireDigest(w: wire.IntervalDigest): Signed<IntervalDigest> {
  if (w.ids.length > 0 && w.ids.length !== w.count) {
    throw new ProtocolError('digest.ids', 'listed ids must number exactly count', `${w.ids.length} != ${w.count}`)
  }
  return {
    body: {
      market: fixed(w.market, 32, 'digest.market'),
      interval: w.interval,
      count: w.count,
      setHash: fixed(w.setHash, 32, 'digest.setHash'),
      ids: w.ids.map((id, i) => fixed(id, 32, `digest.ids[${i}]`)),
      account: address(w.account, 'digest.account'),
    },
    signature: fixed(w.signature, 65, 'digest.signature'),
  }
}

function toWireResult({ body: r, signature }: Signed<ResultAnnouncement>): wire.ResultAnnouncement {
  return {
    market: hexToBytes(r.market),
    interval: r.interval,
    setHash: hexToBytes(r.setHash),
    root: hexToBytes(r.root),
    tradeCount: r.tradeCount,
    account: hexToBytes(r.account),
    signature: hexToBytes(signature),
  }
}

function fromWireResult(w: wire.ResultAnnouncement, size: number): Signed<ResultAnnouncement> {
  if (size > MAX_RESULT_BYTES) throw new ProtocolError('result', 'result message too large', `${size} bytes`)
  return {
    body: {
      market: fixed(w.market, 32, 'result.market'),
      interval: w.interval,
      setHash: fixed(w.setHash, 32, 'result.setHash'),
      root: fixed(w.root, 32, 'result.root'),
      tradeCount: w.tradeCount,
      account: address(w.account, 'result.account'),
    },
    signature: fixed(w.signature, 65, 'result.signature'),
  }
}

/** protons wants plain ArrayBuffer-backed arrays. */
function hexToBytes(hex: Hex): Uint8Array<ArrayBuffer> {
  return new Uint8Array(viemHexToBytes(hex))
}

function fixed(bytes: Uint8Array, length: number, field: string): Hex {
  if (bytes.length !== length) throw new ProtocolError(field, `${field} must be ${length} bytes`, `${bytes.length}`)
  return bytesToHex(bytes)
}

function address(bytes: Uint8Array, field: string): Address {
  return getAddress(fixed(bytes, 20, field))
}

/** Unsigned integers wider than 64 bits: big-endian, no leading zero byte, so each value has one encoding. */
function minimalBytes(value: bigint): Uint8Array<ArrayBuffer> {
  if (value === 0n) return new Uint8Array()
  const hex = value.toString(16)
  return hexToBytes(`0x${hex.length % 2 ? `0${hex}` : hex}`)
}

function minimalUint(bytes: Uint8Array, maxBytes: number, field: string): bigint {
  if (bytes.length > maxBytes) throw new ProtocolError(field, `${field} exceeds ${maxBytes * 8} bits`)
  if (bytes.length > 0 && bytes[0] === 0) throw new ProtocolError(field, `${field} has a leading zero byte`)
  return bytes.length === 0 ? 0n : BigInt(bytesToHex(bytes))
}
