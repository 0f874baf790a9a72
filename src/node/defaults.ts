import type { Hex } from 'viem'
import { clear } from '../core/market/clear.js'
import type { ClearingRule } from '../core/market/types.js'
import { Side } from '../core/order/types.js'
import type { Clock } from '../core/time/clock.js'
import type { ClearFn, DecisionContext, Forecaster, MeterReading, MeterSource, OrderIntent, Strategy } from './ports.js'

/**
 * The matcher bound to one market's rule and prices.
 *
 * @example
 * const clearFn = marketClear({ rule: 'k-da', retailPrice: 300_000n, feedInPrice: 80_000n, lengthS: 900 })
 */
export function marketClear(p: {
  rule: ClearingRule
  retailPrice: bigint
  feedInPrice: bigint
  lengthS: number
}): ClearFn {
  return (orders, interval) =>
    clear(orders, {
      rule: p.rule,
      interval: BigInt(interval),
      retailPrice: p.retailPrice,
      feedInPrice: p.feedInPrice,
      lengthS: p.lengthS,
    })
}

/**
 * Fallback forecaster: same slot yesterday if known, else the last measured interval, else the current power held
 * for the whole interval. Used when the strategy is `spread`.
 */
export function persistenceForecaster(intervalsPerDay: number): Forecaster {
  const measured = new Map<number, number>()
  const lengthS = 86_400 / intervalsPerDay
  let last: number | undefined
  let powerW: number | undefined
  return {
    observeReading(r) {
      powerW = r.powerW
    },
    observe(interval, m) {
      const net = m.exportWh - m.importWh
      measured.set(interval, net)
      last = net
      if (measured.size > intervalsPerDay * 8) measured.delete(measured.keys().next().value!)
    },
    forecast(interval) {
      const fromPower = powerW === undefined ? 0 : Math.round((-powerW * lengthS) / 3600)
      return { netWh: measured.get(interval - intervalsPerDay) ?? last ?? fromPower }
    },
  }
}

/**
 * Fallback strategy: offer the forecast surplus, or bid for the forecast deficit, at a quarter of the way into the
 * spread between feed-in and retail price (so a seller and a buyer of this strategy always cross).
 */
export function spreadStrategy(bounds: { minSellPrice?: bigint; maxBuyPrice?: bigint } = {}): Strategy {
  return {
    decide(ctx: DecisionContext): OrderIntent[] {
      const spread = ctx.retailPrice - ctx.feedInPrice
      const net = Math.round(ctx.forecast.netWh)
      if (net > 0) {
        const price = ctx.feedInPrice + spread / 4n
        const floor = bounds.minSellPrice ?? ctx.feedInPrice
        return [{ side: Side.Sell, quantityWh: BigInt(net), limitPrice: price > floor ? price : floor }]
      }
      if (net < 0) {
        const price = ctx.retailPrice - spread / 4n
        const cap = bounds.maxBuyPrice ?? ctx.retailPrice
        return [{ side: Side.Buy, quantityWh: BigInt(-net), limitPrice: price < cap ? price : cap }]
      }
      return []
    },
  }
}

/**
 * A built-in meter for demos and tests without Modbus: a household with PV whose power follows the time of day
 * (seeded per household), integrated into import/export counters that continue from `start`.
 */
export function simulatedMeter(clock: Clock, opts: { seed: string; start?: MeterReading }): MeterSource {
  const h = Number.parseInt((opts.seed as Hex).replace(/^0x/, '').slice(-6) || '0', 16) || 1
  const pvPeakW = 1500 + (h % 4000)
  const baseW = 250 + (h % 400)
  let importWh = opts.start?.importWh ?? 0
  let exportWh = opts.start?.exportWh ?? 0
  let lastTs = opts.start?.ts
  let carryWh = 0
  const powerAt = (ms: number) => {
    const hour = (ms / 3_600_000) % 24
    const pv = hour > 6 && hour < 20 ? pvPeakW * Math.sin((Math.PI * (hour - 6)) / 14) : 0
    const evening = hour > 17 && hour < 22 ? 900 : 0
    return Math.round(baseW + evening - pv) // + = import
  }
  return {
    async read() {
      const ts = clock.now()
      const powerW = powerAt(ts)
      if (lastTs !== undefined && ts > lastTs) {
        carryWh += (powerW * (ts - lastTs)) / 3_600_000
        const whole = Math.trunc(carryWh)
        carryWh -= whole
        if (whole > 0) importWh += whole
        else exportWh -= whole
      }
      lastTs = ts
      return { ts, powerW, importWh, exportWh }
    },
    async close() {},
  }
}
