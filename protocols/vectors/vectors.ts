/**
 * Known-answer test vectors of the gridlet protocol. `npx tsx protocols/vectors/vectors.ts --write` regenerates
 * the JSON files beside this one; `vectors.test.ts` checks the code against the committed files. A change that
 * alters any vector changes the protocol: bump PROTOCOL_VERSION.
 */
import { writeFileSync } from 'node:fs'
import { keccak256, toHex } from 'viem'
import { clear } from '../../src/core/market/clear.js'
import { resultRoot } from '../../src/core/market/resultRoot.js'
import { bookOrder } from '../../src/core/market/testBooks.js'
import { CLEARING_RULES } from '../../src/core/market/types.js'
import { accountOf, signOrder } from '../../src/core/order/signOrder.js'
import { type Order, Side, type VerifiedOrder } from '../../src/core/order/types.js'
import { encodeGossip } from '../../src/core/protocol/codec.js'

/** anvil's well-known test keys (accounts 0 and 1): public, for vectors only. */
export const VECTOR_KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
] as const
export const VECTOR_DOMAIN = {
  name: 'gridlet',
  version: '1',
  chainId: 31337,
  verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
} as const
export const VECTOR_MARKET = keccak256(toHex('gridlet/vectors'))
export const VECTOR_TARIFFS = { retailPrice: 300_000n, feedInPrice: 80_000n }

const stringify = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2)

export function orderVectors() {
  const orders: [number, Omit<Order, 'market' | 'account'>][] = [
    [
      0,
      {
        interval: 1_481_760n,
        side: Side.Buy,
        quantityWh: 1_200n,
        limitPrice: 250_000n,
        nonce: 0n,
        expiry: 1_333_671_300n,
      },
    ],
    [
      1,
      {
        interval: 1_481_760n,
        side: Side.Sell,
        quantityWh: 800n,
        limitPrice: 120_000n,
        nonce: 0n,
        expiry: 1_333_671_300n,
      },
    ],
    [1, { interval: 1_481_761n, side: Side.Sell, quantityWh: 1n, limitPrice: 1n, nonce: 7n, expiry: 2n ** 64n - 1n }],
    [
      0,
      {
        interval: 2n ** 64n - 1n,
        side: Side.Buy,
        quantityWh: 1_000_000n,
        limitPrice: 2n ** 96n,
        nonce: 2n ** 64n - 1n,
        expiry: 2n ** 64n - 1n,
      },
    ],
  ]
  return orders.map(([k, fields]) => {
    const key = VECTOR_KEYS[k]!
    const signed = signOrder(key, VECTOR_DOMAIN, { ...fields, market: VECTOR_MARKET, account: accountOf(key) })
    return {
      key,
      order: signed.order,
      id: signed.id,
      signature: signed.signature,
      wire: toHex(encodeGossip({ type: 'order', order: signed })),
    }
  })
}

/** A book exercising partial fills, ties on price (broken by id) and every rule. */
export function clearingBook(): VerifiedOrder[] {
  const spec: [Side, number, number][] = [
    [Side.Buy, 1_500, 300_000],
    [Side.Buy, 700, 220_000],
    [Side.Buy, 700, 220_000],
    [Side.Buy, 2_000, 150_000],
    [Side.Buy, 400, 90_000],
    [Side.Sell, 1_000, 80_000],
    [Side.Sell, 900, 140_000],
    [Side.Sell, 600, 140_000],
    [Side.Sell, 1_200, 210_000],
    [Side.Sell, 500, 260_000],
  ]
  return spec.map(([side, quantityWh, limitPrice], i) => bookOrder(i, { side, quantityWh, limitPrice }, 1_481_760n))
}

export function clearingVectors() {
  const book = clearingBook()
  return CLEARING_RULES.map((rule) => {
    const r = clear(book, { rule, interval: 1_481_760n, ...VECTOR_TARIFFS })
    return {
      rule,
      clearingPrice: r.clearingPrice ?? null,
      volumeWh: r.volumeWh,
      trades: r.trades,
      root: r.root,
    }
  })
}

/**
 * A fee market's v2 result root (grid clearing: level and fee per trade, the fee recipient in the header), over
 * orders signed for the settlement contract anvil account 0 deploys with `deployMarket` on a fresh chain (token at
 * nonce 0, settlement at nonce 1): test/chain/feeRoot.test.ts settles it there and the contract emits this root.
 */
export const FEE_VECTOR_DOMAIN = {
  ...VECTOR_DOMAIN,
  verifyingContract: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
} as const
export const FEE_VECTOR_RECIPIENT = '0x00000000000000000000000000000000000000D5'
export const FEE_VECTOR_PER_WH = [10n, 25n, 60n] as const

export function feeRootVector() {
  const interval = 2_000_000n
  const sign = (k: number, side: Side, quantityWh: bigint, limitPrice: bigint, nonce: bigint) =>
    signOrder(VECTOR_KEYS[k]!, FEE_VECTOR_DOMAIN, {
      market: VECTOR_MARKET,
      interval,
      side,
      quantityWh,
      limitPrice,
      account: accountOf(VECTOR_KEYS[k]!),
      nonce,
      expiry: 2n ** 64n - 1n,
    })
  const buy = sign(0, Side.Buy, 1_500n, 300_000n, 0n)
  const sells = [100_000n, 120_000n, 150_000n].map((limit, i) => sign(1, Side.Sell, 500n, limit, BigInt(i)))
  const trades = sells.map((sell, level) => ({
    buyId: buy.id,
    sellId: sell.id,
    buyer: buy.order.account,
    seller: sell.order.account,
    quantityWh: 500n,
    price: 200_000n,
    amount: 100_000n,
    level: level as 0 | 1 | 2,
    fee: 500n * FEE_VECTOR_PER_WH[level]!,
  }))
  const result = {
    interval,
    rule: 'pay-as-bid' as const,
    clearingPrice: undefined,
    volumeWh: 1_500n,
    trades,
    feeRecipient: FEE_VECTOR_RECIPIENT,
  } as const
  return { domain: FEE_VECTOR_DOMAIN, market: VECTOR_MARKET, orders: [buy, ...sells], result, root: resultRoot(result) }
}

if (process.argv.includes('--write')) {
  const dir = new URL('.', import.meta.url)
  writeFileSync(
    new URL('orders.json', dir),
    `${stringify({ domain: VECTOR_DOMAIN, market: VECTOR_MARKET, orders: orderVectors() })}\n`,
  )
  const book = clearingBook().map((o) => ({ id: o.id, ...o.order }))
  writeFileSync(
    new URL('clearing.json', dir),
    `${stringify({ tariffs: VECTOR_TARIFFS, book, results: clearingVectors() })}\n`,
  )
  writeFileSync(new URL('feeRoot.json', dir), `${stringify(feeRootVector())}\n`)
}
