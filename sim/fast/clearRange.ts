import { type Address, hexToBytes } from 'viem'
import { clear } from '../../src/core/market/index.js'
import type { VerifiedOrder } from '../../src/core/order/types.js'
import { gridClearingOf, type MarketGrid } from '../grid/marketGrid.js'
import { type MarketContext, orderFor } from '../market/context.js'
import type { OrderIdHasher } from '../market/orderIds.js'
import type { TradeRow } from '../outcome.js'
import type { Rule } from '../scenario/schema.js'
import type { OrderPlan } from './plan.js'

/** Inputs of the clearing loop: the plan and the tariff, as typed arrays (shareable with worker threads). */
export interface ClearInput {
  readonly n: number
  readonly T: number
  readonly plan: OrderPlan
  readonly retail: Int32Array
  readonly feedIn: Int32Array
  readonly rule: Rule
  readonly k: { readonly num: number; readonly den: number }
  /** The network as the clearing sees it (`network.market` of the scenario); absent: one bus, no fees. */
  readonly grid?: MarketGrid
}

/** Outputs of the clearing loop; each interval range writes only its own slots, so ranges can run in parallel. */
export interface ClearOutput {
  readonly price: Float64Array
  readonly volumeWh: Float64Array
  readonly tradeCount: Int32Array
  /** 32 bytes per interval. */
  readonly roots: Uint8Array
  readonly boughtWh: Int32Array
  readonly soldWh: Int32Array
  /** Per household, for this range only. */
  readonly paid: Float64Array
  readonly received: Float64Array
}

const NO_SIGNATURE = '0x' as const

/**
 * Clears period intervals [k0, k1) with the core's `clear`, exactly as every network node does, but without
 * signatures: order ids are the same EIP-712 hashes the nodes compute (`hashOrder`), by a faster equal hasher.
 * Intervals where no bid reaches an ask cannot trade under any rule; they are cleared as an empty book (the same
 * result, and no hashing) — a test checks that the core agrees.
 */
export function clearRange(
  ctx: MarketContext,
  ids: OrderIdHasher,
  input: ClearInput,
  out: ClearOutput,
  k0: number,
  k1: number,
  trades?: TradeRow[],
): void {
  const { n, T, plan } = input
  const index = new Map<Address, number>(ctx.accounts.map((a, h) => [a, h]))
  const kFrac = { num: BigInt(input.k.num), den: BigInt(input.k.den) }
  const grid = input.grid === undefined ? undefined : gridClearingOf(input.grid, ctx.accounts)
  const orders: VerifiedOrder[] = []
  for (let k = k0; k < k1; k++) {
    let maxBid = -1
    let minAsk = Number.POSITIVE_INFINITY
    for (let h = 0; h < n; h++) {
      if (plan.equivocate[h * T + k] === 1) continue
      for (let i = plan.start[h * T + k]!; i < plan.start[h * T + k + 1]!; i++) {
        const l = plan.limit[i]!
        if (plan.side[i] === 0) maxBid = Math.max(maxBid, l)
        else minAsk = Math.min(minAsk, l)
      }
    }
    orders.length = 0
    if (maxBid >= minAsk) {
      for (let h = 0; h < n; h++) {
        if (plan.equivocate[h * T + k] === 1) continue
        const first = plan.start[h * T + k]!
        for (let i = first; i < plan.start[h * T + k + 1]!; i++) {
          const side = plan.side[i] as 0 | 1
          const order = orderFor(ctx, h, k, side, plan.qty[i]!, plan.limit[i]!, i - first)
          const id = ids.id(
            Number(order.interval),
            side,
            plan.qty[i]!,
            plan.limit[i]!,
            h,
            i - first,
            Number(order.expiry),
          )
          orders.push({ order, signature: NO_SIGNATURE, id })
        }
      }
    }
    const result = clear(
      orders,
      {
        rule: input.rule,
        interval: BigInt(ctx.firstInterval + k),
        retailPrice: BigInt(input.retail[k] as number),
        feedInPrice: BigInt(input.feedIn[k] as number),
        k: kFrac,
        lengthS: ctx.intervalS,
      },
      undefined,
      grid,
    )
    out.roots.set(hexToBytes(result.root), k * 32)
    let volume = 0
    let value = 0
    for (const t of result.trades) {
      const b = index.get(t.buyer) as number
      const s = index.get(t.seller) as number
      const q = Number(t.quantityWh)
      const amount = Number(t.amount)
      out.boughtWh[b * T + k] = (out.boughtWh[b * T + k] as number) + q
      out.soldWh[s * T + k] = (out.soldWh[s * T + k] as number) + q
      // The buyer pays the network fee on top of the energy (received by the grid operator, not a household).
      out.paid[b] = (out.paid[b] as number) + amount + Number(t.fee ?? 0n)
      out.received[s] = (out.received[s] as number) + amount
      volume += q
      value += q * Number(t.price)
      trades?.push({
        k,
        buyer: b,
        seller: s,
        quantityWh: q,
        price: Number(t.price),
        amount,
        buyId: t.buyId,
        sellId: t.sellId,
      })
    }
    out.volumeWh[k] = volume
    out.tradeCount[k] = result.trades.length
    out.price[k] =
      result.clearingPrice !== undefined ? Number(result.clearingPrice) : volume > 0 ? value / volume : Number.NaN
  }
}
