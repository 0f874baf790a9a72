/**
 * The market core as the simulator uses it. PROVISIONAL: until `src/core/market` lands on main this file carries a
 * minimal uniform-price k-double auction with the same signature; then it becomes a re-export of
 * `clear` from the core and nothing else in sim/ changes.
 */
import { type Address, encodePacked, type Hex, keccak256 } from 'viem'
import type { VerifiedOrder } from '../../src/core/order/types.js'
import type { Rule } from '../scenario/schema.js'

export interface ClearingParams {
  readonly rule: Rule
  readonly interval: bigint
  readonly retailPrice: bigint
  readonly feedInPrice: bigint
  readonly k?: { readonly num: bigint; readonly den: bigint }
}

export interface Trade {
  readonly buyId: Hex
  readonly sellId: Hex
  readonly buyer: Address
  readonly seller: Address
  readonly quantityWh: bigint
  readonly price: bigint
  readonly amount: bigint
}

export interface ClearingResult {
  readonly interval: bigint
  readonly rule: Rule
  readonly clearingPrice?: bigint
  readonly trades: readonly Trade[]
  readonly root: Hex
}

export function clear(orders: readonly VerifiedOrder[], params: ClearingParams): ClearingResult {
  const cmp = (a: VerifiedOrder, b: VerifiedOrder, dir: bigint) => {
    const d = (a.order.limitPrice - b.order.limitPrice) * dir
    return d !== 0n ? (d > 0n ? 1 : -1) : a.id < b.id ? -1 : 1
  }
  const bids = orders.filter((o) => o.order.side === 0).sort((a, b) => cmp(a, b, -1n))
  const asks = orders.filter((o) => o.order.side === 1).sort((a, b) => cmp(a, b, 1n))
  const fills: { b: VerifiedOrder; s: VerifiedOrder; q: bigint }[] = []
  let i = 0
  let j = 0
  let bl = bids[0]?.order.quantityWh ?? 0n
  let sl = asks[0]?.order.quantityWh ?? 0n
  let price: bigint | undefined
  const k = params.k ?? { num: 1n, den: 2n }
  while (i < bids.length && j < asks.length) {
    const b = bids[i] as VerifiedOrder
    const s = asks[j] as VerifiedOrder
    if (b.order.limitPrice < s.order.limitPrice) break
    const q = bl < sl ? bl : sl
    fills.push({ b, s, q })
    price = s.order.limitPrice + ((b.order.limitPrice - s.order.limitPrice) * k.num) / k.den
    bl -= q
    sl -= q
    if (bl === 0n && ++i < bids.length) bl = (bids[i] as VerifiedOrder).order.quantityWh
    if (sl === 0n && ++j < asks.length) sl = (asks[j] as VerifiedOrder).order.quantityWh
  }
  const trades = fills.map(({ b, s, q }) => {
    const p = params.rule === 'pay-as-bid' ? b.order.limitPrice : (price as bigint)
    return {
      buyId: b.id,
      sellId: s.id,
      buyer: b.order.account,
      seller: s.order.account,
      quantityWh: q,
      price: p,
      amount: (q * p) / 1000n,
    }
  })
  const root = keccak256(
    encodePacked(
      ['uint64', 'uint128', 'bytes32[]'],
      [params.interval, price ?? 0n, trades.flatMap((t) => [t.buyId, t.sellId])],
    ),
  )
  return {
    interval: params.interval,
    rule: params.rule,
    trades,
    root,
    ...(price === undefined ? {} : { clearingPrice: price }),
  }
}
