import type { Hex } from 'viem'
import type { MeterReading } from '../core/meter/reading.js'
import { Side } from '../core/order/types.js'
import type { OrderIntent, Strategy, StrategyContext } from '../core/strategy/types.js'
import type { Clock } from '../core/time/clock.js'
import type { MeterSource } from './ports.js'

/**
 * Fallback strategy: offer the forecast surplus, or bid for the forecast deficit, at a quarter of the way into the
 * spread between feed-in and retail price (so a seller and a buyer of this strategy always cross).
 */
export function spreadStrategy(bounds: { minSellPrice?: bigint; maxBuyPrice?: bigint } = {}): Strategy {
  return {
    name: 'spread',
    plan(ctx: StrategyContext): OrderIntent[] {
      const tariff = ctx.tariffs[0]
      if (!tariff) return []
      const spread = tariff.retailPrice - tariff.feedInPrice
      const interval = ctx.firstInterval
      const net = Math.round((ctx.pv?.p50[0] ?? 0) - (ctx.load.p50[0] ?? 0))
      if (net > 0) {
        const price = tariff.feedInPrice + spread / 4n
        const floor = bounds.minSellPrice ?? tariff.feedInPrice
        return [{ interval, side: Side.Sell, quantityWh: BigInt(net), limitPrice: price > floor ? price : floor }]
      }
      if (net < 0) {
        const price = tariff.retailPrice - spread / 4n
        const cap = bounds.maxBuyPrice ?? tariff.retailPrice
        return [{ interval, side: Side.Buy, quantityWh: BigInt(-net), limitPrice: price < cap ? price : cap }]
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
