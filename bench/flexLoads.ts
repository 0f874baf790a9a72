import {
  type DailyNeed,
  dailySessions,
  FlexibleLoads,
  type FlexSession,
  PriceMemory,
  type Tariff,
} from '../src/core/strategy/index.js'

/** A flexible load some of the homes have: every `1/share`-th home in id order, with this daily need. */
export type FlexLoad = DailyNeed & { readonly share: number }

/**
 * Flexible loads of the evaluation's community. The SGSC extract's controlled-load channel is 0 in every row, so
 * the hot-water tank is modelled (an off-peak tank's typical day), not replayed.
 */
export interface FlexOptions {
  /** `fixed`: full power from the session's start; `flexible`: each session planned at its start (FlexibleLoads). */
  readonly plan: 'fixed' | 'flexible'
  readonly hotWater?: FlexLoad
  readonly ev?: FlexLoad
  readonly tariff: Tariff
}

/**
 * Whether home `k` has a load of this share: spread through the homes by the golden-ratio sequence, so that the
 * loads fall on homes with and without PV (every 2nd has PV) alike; `salt` gives each kind of load its own spread.
 */
export const hasLoad = (k: number, share: number, salt: number) => ((k + salt) * 0.6180339887498949) % 1 < share

/**
 * The community's flexible loads for one strategy run: each home's sessions (a hot-water tank, an EV) in a
 * core `FlexibleLoads`, planned when they start on the forecasts the run's strategy also sees, with the expected
 * market price from the run's own clearing results (`PriceMemory`, the median of the last 7 days).
 */
export class FlexPlanner {
  readonly scheduled: Int32Array[]
  private readonly loads: FlexibleLoads[]
  private readonly prices: PriceMemory

  constructor(
    private readonly opts: FlexOptions,
    homes: number,
    grid: { readonly slots: number; readonly from: number; readonly intervalS: number },
  ) {
    const perDay = 86_400 / grid.intervalS
    const day = { firstMidnight: 0, perDay, intervalS: grid.intervalS }
    this.loads = Array.from({ length: homes }, (_, k) => {
      const sessions: FlexSession[] = []
      if (opts.hotWater && hasLoad(k, opts.hotWater.share, 0))
        sessions.push(...dailySessions('hot-water', grid.slots, day, opts.hotWater))
      if (opts.ev && hasLoad(k, opts.ev.share, 0.5)) sessions.push(...dailySessions('ev', grid.slots, day, opts.ev))
      return new FlexibleLoads(sessions, { length: grid.slots, plan: opts.plan, from: grid.from, stagger: k + 1 })
    })
    this.scheduled = this.loads.map((l) => l.scheduled)
    this.prices = new PriceMemory(grid.intervalS)
  }

  reach(slot: number, step: number): number {
    return Math.max(0, ...this.loads.map((l) => l.reach(slot, step)))
  }

  /**
   * Plans the sessions starting in `[slot, slot + step)` (`first`: the market interval of `slot`); `forecast(k)`
   * gives home k's median load and PV from `slot`.
   */
  plan(
    slot: number,
    step: number,
    first: bigint,
    forecast: (k: number) => { readonly load: ArrayLike<number>; readonly pv: ArrayLike<number> | undefined },
  ): void {
    const n = this.reach(slot, step)
    if (n === 0) return
    const tariffs = Array.from({ length: n }, () => this.opts.tariff)
    const expected = this.expectedPrices(first, n)
    this.loads.forEach((l, k) => {
      if (l.reach(slot, step) > 0) l.plan(slot, step, forecast(k), tariffs, expected)
    })
  }

  /** Expected clearing prices of `n` intervals from `first`, once the run has cleared a day to remember. */
  expectedPrices(first: bigint, n: number): (bigint | undefined)[] | undefined {
    const out = Array.from({ length: n }, (_, j) => this.prices.expected(first + BigInt(j)))
    return out.some((p) => p !== undefined) ? out : undefined
  }

  observePrice(interval: bigint, price: bigint): void {
    this.prices.record(interval, price)
  }
}
