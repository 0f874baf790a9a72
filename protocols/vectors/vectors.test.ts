import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { hashOrder } from '../../src/core/order/eip712.js'
import { OrderErrorCode } from '../../src/core/order/errors.js'
import { DEFAULT_MAX_PRICE, verifyOrder } from '../../src/core/order/verifyOrder.js'
import { decodeGossip } from '../../src/core/protocol/codec.js'
import { clearingVectors, feeRootVector, orderVectors, VECTOR_DOMAIN, VECTOR_MARKET } from './vectors.js'

const read = (name: string) =>
  JSON.parse(readFileSync(new URL(name, import.meta.url), 'utf8'), (key, v) =>
    typeof v === 'string' && /^\d+$/.test(v) && key !== 'rule' ? BigInt(v) : v,
  )

describe('protocol known-answer vectors', () => {
  const committed = read('orders.json')

  it('orders: EIP-712 id, signature and protobuf encoding match the committed vectors', () => {
    const json = (x: unknown) => JSON.parse(JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? `${v}` : v)))
    expect(json(orderVectors())).toEqual(json(committed.orders))
  })

  it('orders: every committed vector decodes and verifies to its id', () => {
    for (const v of committed.orders) {
      const msg = decodeGossip(Buffer.from(v.wire.slice(2), 'hex'))
      expect(msg.type).toBe('order')
      if (msg.type !== 'order') continue
      expect(hashOrder(VECTOR_DOMAIN, msg.order.order)).toBe(v.id)
      const verify = () => verifyOrder(msg.order, { domain: VECTOR_DOMAIN, market: VECTOR_MARKET })
      // The edge vector's limit price, 2^96, fits the signed uint128 and the wire, but no on-chain trade price
      // (uint96): the market refuses it at validation.
      if (msg.order.order.limitPrice > DEFAULT_MAX_PRICE)
        expect(verify).toThrowError(expect.objectContaining({ code: OrderErrorCode.Price, field: 'limitPrice' }))
      else expect(verify().id).toBe(v.id)
    }
  })

  it('orders: a signature for another chain id does not verify on this one', () => {
    const v = committed.orders[0]
    const otherChain = { ...VECTOR_DOMAIN, chainId: 1 }
    expect(() =>
      verifyOrder({ order: v.order, signature: v.signature }, { domain: otherChain, market: VECTOR_MARKET }),
    ).toThrowError(expect.objectContaining({ code: OrderErrorCode.BadSignature, field: 'signature' }))
  })

  it('clearing: every rule reproduces the committed trades, prices and roots', () => {
    const json = (x: unknown) => JSON.parse(JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? `${v}` : v)))
    expect(json(clearingVectors())).toEqual(json(read('clearing.json').results))
  })

  it('fee root: the v2 root (levels, fees, fee recipient) and its orders match the committed vector', () => {
    const json = (x: unknown) => JSON.parse(JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? `${v}` : v)))
    expect(json(feeRootVector())).toEqual(json(read('feeRoot.json')))
  })
})
