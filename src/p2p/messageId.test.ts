import { createHash } from 'node:crypto'
import { bytesToHex, type Hex } from 'viem'
import { generatePrivateKey } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { TEST_DOMAIN as domain } from '../core/market/testBooks.js'
import { prepareDomain } from '../core/order/eip712.js'
import { signOrder } from '../core/order/signOrder.js'
import { Side } from '../core/order/types.js'
import { encodeGossip } from '../core/protocol/index.js'
import { accountOf } from './accountSig.js'
import { makeResult } from './digest.js'
import { decodedGossip, fastMessageId, marketMessageId } from './messageId.js'

const market = `0x${'ab'.repeat(32)}` as Hex
const key = generatePrivateKey()
const prepared = prepareDomain(domain)
const msg = (data: Uint8Array) => ({ type: 'unsigned' as const, topic: 't', data })

describe('message ids', () => {
  it("an order's id is its order id, and the decoding is kept for the validator", () => {
    const order = signOrder(key, domain, {
      market,
      interval: 7n,
      side: Side.Buy,
      quantityWh: 100n,
      limitPrice: 1000n,
      account: accountOf(key),
      nonce: 0n,
      expiry: 10_000n,
    })
    const data = encodeGossip({ type: 'order', order })
    expect(bytesToHex(marketMessageId(prepared, msg(data)))).toBe(order.id.toLowerCase())
    expect(decodedGossip(data)?.verdict).toBe('accept')
  })

  it("a result's id is the sha256 of its bytes, whether or not the fast id hashed them first", () => {
    const result = makeResult(key, domain, {
      market,
      interval: 7n,
      setHash: `0x${'11'.repeat(32)}`,
      root: `0x${'22'.repeat(32)}`,
      tradeCount: 0,
      account: accountOf(key),
    })
    const data = encodeGossip({ type: 'result', result })
    const sha = createHash('sha256').update(data).digest()
    expect(Buffer.from(marketMessageId(prepared, msg(data)))).toEqual(sha)
    const copy = Uint8Array.from(data)
    expect(fastMessageId({ data: copy })).toBe(sha.toString('base64'))
    expect(Buffer.from(marketMessageId(prepared, msg(copy)))).toEqual(sha)
  })
})
