import { getAddress, type Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { resultRoot } from '../core/market/resultRoot.js'
import type { VerifiedOrder } from '../core/order/types.js'
import { type Agreement, encodeSettlement } from './encodeSettlement.js'
import { ChainError } from './errors.js'

const A = getAddress('0x70997970c51812dc3a010c7d01b50e0d17dc79c8')
const B = getAddress('0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc')
const sig = `0x${'11'.repeat(64)}1b` as Hex
const order = (id: string, side: 0 | 1, account: typeof A): VerifiedOrder => ({
  id: `0x${id.repeat(64)}` as Hex,
  signature: sig,
  order: {
    market: `0x${'00'.repeat(32)}`,
    interval: 7n,
    side,
    quantityWh: 1000n,
    limitPrice: 250_000n,
    account,
    nonce: 2n,
    expiry: 0x01020304n,
  },
})
const buy = order('b', 0, A)
const sell = order('a', 1, B)
const trade = { buyId: buy.id, sellId: sell.id, quantityWh: 600n, price: 240_000n, amount: 144_000n }
const households = new Map([
  [A, 1],
  [B, 2],
])
const sigA = `0x${'22'.repeat(64)}1c` as Hex
const sigB = `0x${'33'.repeat(64)}1b` as Hex
const setHash = `0x${'55'.repeat(32)}` as Hex
const agreement: Agreement = {
  rule: 'k-da',
  clearingPrice: 240_000n,
  // out of household order, B twice: encoded by ascending index, once each
  attestations: [
    { account: B, setHash, signature: sigB },
    { account: A, setHash, signature: sigA },
    { account: B, setHash, signature: sigB },
  ],
}

describe('encodeSettlement', () => {
  it('packs orders (45 bytes, sorted by id), signatures (65 bytes) and trades (20 bytes) as the contract reads them', () => {
    const batch = encodeSettlement(7n, [buy, sell], [trade], households, agreement)
    expect(batch.orderIds).toEqual([sell.id, buy.id]) // 0xaa.. < 0xbb..
    const hex = (v: bigint, bytes: number) => v.toString(16).padStart(bytes * 2, '0')
    const record = (side: number, household: number) =>
      hex(BigInt(side), 1) +
      hex(250_000n, 16) +
      hex(1000n, 8) +
      hex(2n, 8) +
      hex(0x01020304n, 8) +
      hex(BigInt(household), 4)
    expect(batch.orders).toBe(`0x${record(1, 2)}${record(0, 1)}`)
    expect(batch.signatures).toBe(`0x${sig.slice(2).repeat(2)}`)
    expect(batch.trades).toBe(`0x0001000000000258${hex(240_000n, 12)}`) // buy = order 1, sell = order 0, 600 Wh
    expect(batch.totalAmount).toBe(144_000n)
    const h = setHash.slice(2)
    expect(batch.attestations).toBe(`0x00000001${h}${sigA.slice(2)}00000002${h}${sigB.slice(2)}`)
    expect(batch.attesters).toEqual([A, B])
    expect([batch.rule, batch.clearingPrice]).toEqual([0, 240_000n])
    // The root is the core's result root of the same trades: what the households signed.
    const core = { interval: 7n, rule: 'k-da', clearingPrice: 240_000n, volumeWh: 600n } as const
    expect(batch.root).toBe(resultRoot({ ...core, trades: [{ ...trade, buyer: A, seller: B }] }))
  })

  it('packs fee trades (29 bytes: level, fee per Wh) for settleWithFees, with the v2 root of the core', () => {
    const recipient = getAddress('0x00000000000000000000000000000000000000d5')
    const feeTrade = { ...trade, level: 2, fee: 600n * 7n }
    const batch = encodeSettlement(7n, [buy, sell], [feeTrade], households, { ...agreement, feeRecipient: recipient })
    expect(batch.trades).toBe(`0x0001000000000258${240_000n.toString(16).padStart(24, '0')}020000000000000007`)
    expect(batch.totalAmount).toBe(144_000n) // fees are not in the amount total
    expect(batch.feeRecipient).toBe(recipient)
    const core = {
      interval: 7n,
      rule: 'k-da',
      clearingPrice: 240_000n,
      volumeWh: 600n,
      feeRecipient: recipient,
    } as const
    expect(batch.root).toBe(resultRoot({ ...core, trades: [{ ...feeTrade, level: 2, buyer: A, seller: B }] }))
    expect(batch.root).not.toBe(encodeSettlement(7n, [buy, sell], [trade], households, agreement).root)
  })

  it.each([
    ['a fee that is not a whole fee per Wh', { level: 1, fee: 601n }, 'fee'],
    ['a level above 2', { level: 3, fee: 0n }, 'level'],
    ['a fee per Wh above 2^64', { level: 0, fee: 600n * 2n ** 64n }, 'fee'],
  ])('rejects a fee trade with %s', (_name, extra, field) => {
    const recipient = getAddress('0x00000000000000000000000000000000000000d5')
    const run = () =>
      encodeSettlement(7n, [buy, sell], [{ ...trade, ...extra }], households, { ...agreement, feeRecipient: recipient })
    expect(run).toThrowError(expect.objectContaining({ field }))
  })

  it('rejects a trade with a fee in a batch without a fee recipient', () => {
    const run = () => encodeSettlement(7n, [buy, sell], [{ ...trade, level: 0, fee: 600n }], households, agreement)
    expect(run).toThrowError(expect.objectContaining({ field: 'fee' }))
  })

  it('keeps the attestations of the lowest household indices when capped', () => {
    const batch = encodeSettlement(7n, [buy, sell], [trade], households, agreement, { maxAttestations: 1 })
    expect(batch.attesters).toEqual([A])
  })

  it('leaves out orders no trade fills, so every submitter encodes the same bytes', () => {
    const idle = order('c', 0, A)
    expect(encodeSettlement(7n, [idle, sell, buy], [trade], households, agreement)).toEqual(
      encodeSettlement(7n, [buy, sell], [trade], households, agreement),
    )
  })

  it.each([
    ['a trade fills an unknown order', [buy], [trade], households, 'trades'],
    ['an account has no household index', [buy, sell], [trade], new Map([[A, 1]]), 'account'],
    ['no trades', [buy, sell], [], households, 'trades'],
    [
      'a trade quantity does not fit 32 bits',
      [buy, sell],
      [{ ...trade, quantityWh: 2n ** 32n }],
      households,
      'quantityWh',
    ],
    [
      'a limit price is 2^96',
      [{ ...buy, order: { ...buy.order, limitPrice: 2n ** 96n } }, sell],
      [trade],
      households,
      'limitPrice',
    ],
  ] as const)('rejects a batch where %s', (_name, orders, trades, map, field) => {
    const run = () => encodeSettlement(7n, orders, trades, map, { ...agreement, attestations: [] })
    expect(run).toThrow(ChainError)
    try {
      run()
    } catch (err) {
      expect((err as ChainError).field).toBe(field)
    }
  })
})
