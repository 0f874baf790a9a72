import { Side } from '../order/types.js'
import type { OrderIntent, Strategy, StrategyContext } from './types.js'

/**
 * The baseline: bids the median forecast net position of each interval at its true reservation price - buy at
 * the retail price (what the grid would charge), sell at the feed-in price (what the grid would pay). Ignores the
 * battery when planning (the battery still absorbs imbalance at delivery) and the forecast's spread.
 *
 * @example
 * truthful().plan(ctx) // [{ interval, side: Side.Buy, quantityWh: 212n, limitPrice: 300_000n }, ...]
 */
export function truthful(): Strategy {
  return {
    name: 'truthful',
    plan(ctx: StrategyContext): OrderIntent[] {
      const out: OrderIntent[] = []
      for (let j = 0; j < ctx.load.p50.length; j++) {
        const net = ctx.load.p50[j]! - (ctx.pv?.p50[j] ?? 0)
        const intent = toIntent(ctx, j, net)
        if (intent) out.push(intent)
      }
      return out
    },
  }
}

/** An intent for a planned net position (Wh, + buy / - sell) of interval `j` at reservation prices, or null. */
export function toIntent(ctx: StrategyContext, j: number, netWh: number): OrderIntent | null {
  const q = Math.round(netWh)
  if (q === 0 || !Number.isFinite(q)) return null
  const tariff = ctx.tariffs[j] ?? ctx.tariffs[ctx.tariffs.length - 1]!
  const interval = ctx.firstInterval + BigInt(j)
  if (q > 0) return { interval, side: Side.Buy, quantityWh: BigInt(q), limitPrice: max1(tariff.retailPrice) }
  return { interval, side: Side.Sell, quantityWh: BigInt(-q), limitPrice: max1(tariff.feedInPrice) }
}

const max1 = (p: bigint) => (p < 1n ? 1n : p)
