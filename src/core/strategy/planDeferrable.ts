import { GridletError } from '../errors.js'

/**
 * A deferrable energy need: `energyWh` must be delivered within intervals `[from, deadline)` of a plan (indices
 * from the plan's first interval), at most `maxWh` in any one interval (the device's power x interval length).
 * A hot-water tank's daily heat (the SGSC controlled load) or an EV's charge before departure.
 */
export interface DeferrableNeed {
  readonly energyWh: number
  readonly from: number
  readonly deadline: number
  readonly maxWh: number
}

/**
 * What one more Wh consumed in an interval is expected to cost the household, token units per kWh, in two tiers:
 * the first `cheapWh` come from its own expected surplus and cost only the export they replace (`cheapPrice`), the
 * rest is bought at `price`. `cheapPrice <= price`, so the cost of an interval is convex in the energy put there.
 */
export interface EnergyCost {
  readonly cheapWh: number
  readonly cheapPrice: bigint
  readonly price: bigint
}

/**
 * Schedules a deferrable need at least cost: Wh per interval of the plan (zeros outside the window). Greedy by
 * marginal cost, which is optimal because each interval's cost is convex (cheap tier first) and the intervals are
 * coupled only by the total. Ties go to the earlier interval when `stagger` is 0; any other stagger orders equal
 * prices by a hash of (stagger, interval) instead, so households that give different staggers spread over a cheap
 * band rather than all switching on at its first interval, which would only move the neighbourhood's peak there.
 *
 * @example
 * const cost = (price: bigint, cheapWh = 0) => ({ cheapWh, cheapPrice: 80_000n, price })
 * planDeferrable({ energyWh: 1500, from: 0, deadline: 3, maxWh: 1000 }, [cost(300_000n), cost(300_000n, 600), cost(150_000n)])
 * // Int32Array [0, 600, 900]: the own surplus first, then the cheap night tariff
 */
export function planDeferrable(need: DeferrableNeed, costs: readonly EnergyCost[], stagger = 0): Int32Array {
  checkNeed(need, costs.length)
  const rank = stagger === 0 ? (j: number) => j : (j: number) => mix32(stagger, j)
  const plan = new Int32Array(costs.length)
  const tiers: { j: number; wh: number; price: bigint }[] = []
  for (let j = need.from; j < need.deadline; j++) {
    const c = costs[j]!
    const cheap = Math.min(need.maxWh, Math.max(0, Math.floor(c.cheapWh)))
    if (cheap > 0) tiers.push({ j, wh: cheap, price: c.cheapPrice })
    if (need.maxWh - cheap > 0) tiers.push({ j, wh: need.maxWh - cheap, price: c.price })
  }
  tiers.sort((a, b) => (a.price < b.price ? -1 : a.price > b.price ? 1 : rank(a.j) - rank(b.j)))
  let left = need.energyWh
  for (const t of tiers) {
    if (left === 0) break
    const wh = Math.min(left, t.wh)
    plan[t.j] = plan[t.j]! + wh
    left -= wh
  }
  return plan
}

/**
 * The expected cost of consuming more in each interval: the own median surplus (PV - load) is the cheap tier,
 * valued at what exporting it would earn (the market's expected price if known, else feed-in); the rest is bought
 * at the expected market price if known (a neighbourhood surplus shows as a low one), else at retail.
 *
 * @example
 * deferrableCosts({ surplusWh: [500, 0], tariffs: [t, t] }) // [{ cheapWh: 500, cheapPrice: f, price: r }, ...]
 */
export function deferrableCosts(input: {
  readonly surplusWh: ArrayLike<number>
  readonly tariffs: readonly { readonly retailPrice: bigint; readonly feedInPrice: bigint }[]
  readonly expectedPrice?: readonly (bigint | undefined)[]
}): EnergyCost[] {
  const out: EnergyCost[] = []
  for (let j = 0; j < input.surplusWh.length; j++) {
    const t = input.tariffs[j] ?? input.tariffs[input.tariffs.length - 1]!
    const market = input.expectedPrice?.[j]
    const price = market === undefined ? t.retailPrice : clamp(market, t.feedInPrice, t.retailPrice)
    const cheapPrice = market === undefined ? t.feedInPrice : clamp(market, t.feedInPrice, price)
    out.push({ cheapWh: Math.max(0, input.surplusWh[j]!), cheapPrice, price })
  }
  return out
}

/** A 32-bit integer mix of two integers (murmur3's finaliser): the same on every platform. */
function mix32(a: number, b: number): number {
  let h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

const clamp = (x: bigint, lo: bigint, hi: bigint) => (x < lo ? lo : x > hi ? hi : x)

function checkNeed(need: DeferrableNeed, length: number): void {
  const bad = (field: string, details: string) =>
    new GridletError(`deferrable need: ${field} ${details}`, { code: 'STRATEGY_DEFERRABLE', field, details })
  for (const f of ['energyWh', 'from', 'deadline', 'maxWh'] as const)
    if (!Number.isSafeInteger(need[f]) || need[f] < 0) throw bad(f, `must be a whole number >= 0, got ${need[f]}`)
  if (need.from > need.deadline || need.deadline > length)
    throw bad('deadline', `window [${need.from}, ${need.deadline}) must lie within the plan's ${length} intervals`)
  if (need.energyWh > (need.deadline - need.from) * need.maxWh)
    throw bad('energyWh', `${need.energyWh} Wh does not fit ${need.deadline - need.from} intervals of ${need.maxWh} Wh`)
}
