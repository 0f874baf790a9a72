import { keccak256, toHex } from 'viem'
import { describe, expect, it } from 'vitest'
import { gateClosureMs, marketTime } from '../time/interval.js'
import { OrderErrorCode } from './errors.js'
import { accountOf, signOrder } from './signOrder.js'
import { type Order, Side } from './types.js'
import { type OrderRules, verifyOrder } from './verifyOrder.js'

const key = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' as const
const domain = { name: 'gridlet', version: '1', chainId: 31337, verifyingContract: accountOf(key) } as const
const market = keccak256(toHex('gridlet/verify'))
const time = marketTime()
const k = 1_900_000n
const base: Order = {
  market,
  interval: k,
  side: Side.Buy,
  quantityWh: 500n,
  limitPrice: 200_000n,
  account: accountOf(key),
  nonce: 0n,
  expiry: (k + 1n) * 900n,
}
const rules = { domain, market, time, nowMs: gateClosureMs(time, Number(k)) }
const check =
  (patch: Partial<Order>, r: Partial<OrderRules> = {}) =>
  () =>
    verifyOrder(signOrder(key, domain, { ...base, ...patch }), { ...rules, ...r })

describe('verifyOrder', () => {
  it('accepts a good order at gate closure and returns its id', () => {
    const signed = signOrder(key, domain, base)
    expect(verifyOrder(signed, rules).id).toBe(signed.id)
  })

  it('accepts the largest limit price, 2^96 - 1', () => {
    expect(check({ limitPrice: 2n ** 96n - 1n })().order.limitPrice).toBe(2n ** 96n - 1n)
  })

  it.each([
    [{ market: keccak256('0x00') }, {}, OrderErrorCode.WrongMarket, 'market'],
    [{ quantityWh: 0n }, {}, OrderErrorCode.Quantity, 'quantityWh'],
    [{ quantityWh: 1_000_001n }, {}, OrderErrorCode.Quantity, 'quantityWh'],
    [{ limitPrice: 0n }, {}, OrderErrorCode.Price, 'limitPrice'],
    // a uint128 on the wire, but a trade's price is a uint96 on chain: refused here, never at settlement
    [{ limitPrice: 2n ** 96n }, {}, OrderErrorCode.Price, 'limitPrice'],
    [{ limitPrice: 2n ** 96n }, { maxPrice: 2n ** 100n }, OrderErrorCode.Price, 'limitPrice'],
    [{ expiry: (k + 1n) * 900n - 1n }, {}, OrderErrorCode.Expired, 'expiry'],
    [{}, { nowMs: gateClosureMs(time, Number(k)) + 5_001 }, OrderErrorCode.IntervalClosed, 'interval'],
    [{ interval: k + 200n, expiry: 2n ** 40n }, {}, OrderErrorCode.IntervalTooFar, 'interval'],
    [{ side: 3 as Side }, {}, OrderErrorCode.Malformed, 'side'],
    [{ nonce: 2n ** 64n }, {}, OrderErrorCode.Malformed, 'nonce'],
  ])('refuses %o %o with %s naming %s', (patch, r, code, field) => {
    expect(check(patch, r)).toThrowError(expect.objectContaining({ code, field }))
  })

  it('refuses an order whose account is not the signer', () => {
    const signed = signOrder(key, domain, base)
    const other = { ...signed, order: { ...signed.order, account: accountOf(`0x${'11'.repeat(32)}`) } }
    expect(() => verifyOrder(other, rules)).toThrowError(expect.objectContaining({ code: OrderErrorCode.BadSignature }))
  })
})
