import { fmix32 } from '../random.js'
import { toIntent } from './truthful.js'
import type { OrderIntent, Strategy, StrategyContext } from './types.js'

export interface ZeroIntelligenceOptions {
  /** Seed of the limit-price draws (0..2^32-1); the draw for an interval depends only on (seed, interval). */
  readonly seed: number
}

/**
 * Zero intelligence, budget-constrained (Gode & Sunder): bids the median forecast net position like `truthful`, but
 * at a limit drawn uniformly from [feed-in, retail] - never above what the grid charges, never below what it pays.
 * A reference trader for comparing market rules: with truthful limits every k-DA price is the band's midpoint,
 * with drawn ones the rules split the surplus differently. Deterministic: the draw is a hash of (seed, interval),
 * not a random generator, so any node (or both simulation modes) computes the same limits.
 *
 * @example
 * zeroIntelligence({ seed: 7 }).plan(ctx) // [{ interval, side: Side.Buy, quantityWh: 212n, limitPrice: 183_417n }]
 */
export function zeroIntelligence({ seed }: ZeroIntelligenceOptions): Strategy {
  return {
    name: 'zi',
    plan(ctx: StrategyContext): OrderIntent[] {
      const out: OrderIntent[] = []
      for (let j = 0; j < ctx.load.p50.length; j++) {
        const intent = toIntent(ctx, j, ctx.load.p50[j]! - (ctx.pv?.p50[j] ?? 0))
        if (!intent) continue
        const t = ctx.tariffs[j] ?? ctx.tariffs[ctx.tariffs.length - 1]!
        const spread = t.retailPrice > t.feedInPrice ? t.retailPrice - t.feedInPrice : 0n
        const lo = t.retailPrice - spread
        const u = BigInt(unitHash(seed, Number(intent.interval)))
        const limit = lo + (u * (spread + 1n)) / 2n ** 32n
        out.push({ ...intent, limitPrice: limit < 1n ? 1n : limit })
      }
      return out
    },
  }
}

/** 32-bit MurmurHash3 finaliser over (seed, n): a uniform integer in [0, 2^32). */
function unitHash(seed: number, n: number): number {
  let h = fmix32(seed ^ 0x9e3779b9)
  h = fmix32(h ^ Math.imul((n % 2 ** 31) + 1, 0x165667b1))
  return fmix32(h ^ Math.imul(Math.floor(n / 2 ** 31) + 1, 0xd3a2646c))
}
