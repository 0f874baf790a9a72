import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { GridletError } from '../errors.js'
import { type DeferrableNeed, deferrableCosts, type EnergyCost, planDeferrable } from './planDeferrable.js'

const cost = (price: bigint, cheapWh = 0, cheapPrice = 80_000n): EnergyCost => ({ cheapWh, cheapPrice, price })

/** Cost of a schedule in token units x 1000 (price per kWh x Wh), the tiers filled cheap first. */
function costOf(plan: ArrayLike<number>, costs: readonly EnergyCost[]): bigint {
  let total = 0n
  for (let j = 0; j < plan.length; j++) {
    const c = costs[j]!
    const cheap = Math.min(plan[j]!, c.cheapWh)
    total += BigInt(cheap) * c.cheapPrice + BigInt(plan[j]! - cheap) * c.price
  }
  return total
}

/** Every schedule of `need` in steps of `unit` Wh (small cases only): the brute-force minimum. */
function bruteMin(need: DeferrableNeed, costs: readonly EnergyCost[], unit: number): bigint {
  let best: bigint | undefined
  const plan = new Array<number>(costs.length).fill(0)
  const go = (j: number, left: number) => {
    if (j === need.deadline) {
      if (left === 0) {
        const c = costOf(plan, costs)
        if (best === undefined || c < best) best = c
      }
      return
    }
    for (let wh = 0; wh <= Math.min(left, need.maxWh); wh += unit) {
      plan[j] = wh
      go(j + 1, left - wh)
    }
    plan[j] = 0
  }
  go(need.from, need.energyWh)
  return best!
}

const arbCase = fc
  .record({
    n: fc.integer({ min: 1, max: 5 }),
    prices: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 5, maxLength: 5 }),
    cheap: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 5, maxLength: 5 }),
    maxUnits: fc.integer({ min: 1, max: 3 }),
    fill: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ n, prices, cheap, maxUnits, fill }) => {
    const unit = 100
    const costs = prices.slice(0, n).map((p, j) => cost(BigInt(p) * 100_000n, cheap[j]! * unit, 50_000n))
    const energyWh = Math.floor(fill * n * maxUnits) * unit
    return { need: { energyWh, from: 0, deadline: n, maxWh: maxUnits * unit }, costs, unit }
  })

describe('planDeferrable', () => {
  it('takes the own surplus first, then the cheapest tariff, ties to the earlier interval', () => {
    const costs = [cost(300_000n), cost(300_000n, 600), cost(150_000n), cost(150_000n)]
    expect([...planDeferrable({ energyWh: 2500, from: 0, deadline: 4, maxWh: 1000 }, costs)]).toEqual([
      0, 600, 1000, 900,
    ])
  })

  it('keeps the need whole, within the window and the power limit, at the least cost (vs brute force)', () => {
    fc.assert(
      fc.property(arbCase, ({ need, costs, unit }) => {
        const plan = planDeferrable(need, costs)
        expect(plan.reduce((a, b) => a + b, 0)).toBe(need.energyWh)
        for (const wh of plan) expect(wh).toBeGreaterThanOrEqual(0)
        for (const wh of plan) expect(wh).toBeLessThanOrEqual(need.maxWh)
        expect(costOf(plan, costs)).toBe(bruteMin(need, costs, unit))
      }),
    )
  })

  it('never places energy outside its window', () => {
    const plan = planDeferrable({ energyWh: 300, from: 2, deadline: 4, maxWh: 200 }, [
      cost(1n),
      cost(1n),
      cost(9n),
      cost(9n),
      cost(1n),
    ])
    expect([...plan]).toEqual([0, 0, 200, 100, 0])
  })

  it('refuses a need that cannot fit its window, naming the field', () => {
    const run = () => planDeferrable({ energyWh: 3000, from: 0, deadline: 2, maxWh: 1000 }, [cost(1n), cost(1n)])
    expect(run).toThrow(GridletError)
    expect(run).toThrow(/energyWh/)
    expect(() => planDeferrable({ energyWh: 1, from: 0, deadline: 3, maxWh: 1 }, [cost(1n)])).toThrow(/deadline/)
    expect(() => planDeferrable({ energyWh: 1.5, from: 0, deadline: 1, maxWh: 2 }, [cost(1n)])).toThrow(/energyWh/)
  })
})

describe('deferrableCosts', () => {
  const t = { retailPrice: 300_000n, feedInPrice: 80_000n }
  it('values the own surplus at feed-in and buys at retail without a market expectation', () => {
    expect(deferrableCosts({ surplusWh: [500, -200], tariffs: [t] })).toEqual([
      { cheapWh: 500, cheapPrice: 80_000n, price: 300_000n },
      { cheapWh: 0, cheapPrice: 80_000n, price: 300_000n },
    ])
  })
  it('uses the expected market price, kept within the tariff band', () => {
    expect(deferrableCosts({ surplusWh: [0, 0], tariffs: [t, t], expectedPrice: [150_000n, 900_000n] })).toEqual([
      { cheapWh: 0, cheapPrice: 150_000n, price: 150_000n },
      { cheapWh: 0, cheapPrice: 300_000n, price: 300_000n },
    ])
  })
})

describe('planDeferrable stagger', () => {
  it('spreads households over a band of equal prices, each still at least cost', () => {
    const costs = [
      ...Array.from({ length: 8 }, () => cost(150_000n)),
      ...Array.from({ length: 8 }, () => cost(300_000n)),
    ]
    const need = { energyWh: 2000, from: 0, deadline: 16, maxWh: 1000 }
    const firstOn = new Set<number>()
    for (let stagger = 1; stagger <= 20; stagger++) {
      const plan = planDeferrable(need, costs, stagger)
      expect(costOf(plan, costs)).toBe(costOf(planDeferrable(need, costs), costs))
      firstOn.add(plan.findIndex((wh) => wh > 0))
    }
    expect(firstOn.size).toBeGreaterThan(4)
  })
})
