import { describe, expect, it } from 'vitest'
import { Side } from '../../core/order/types.js'
import { coreDecider } from './coreDecider.js'

const ctx = (interval: number, forecast: ReturnType<ReturnType<typeof coreDecider>['forecaster']['forecast']>) => ({
  interval,
  forecast,
  retailPrice: 300_000n,
  feedInPrice: 80_000n,
})

describe('coreDecider (core forecaster + strategy behind the node ports)', () => {
  it('holds the current power until it has a day of history, then follows the model', () => {
    const { forecaster, strategy } = coreDecider({ intervalS: 900, model: 'seasonal-naive', strategy: 'truthful' })
    forecaster.observeReading!({ ts: 0, powerW: -2000, importWh: 0, exportWh: 0 }) // exporting 2 kW
    const young = forecaster.forecast(100)
    expect(young.netWh).toBe(500)
    const intents = strategy.decide(ctx(100, young))
    expect(intents.map((i) => i.side)).toEqual([Side.Sell])
    expect(intents[0]!.quantityWh).toBeGreaterThan(0n)

    for (let k = 0; k < 96; k++) forecaster.observe(k, { importWh: 300, exportWh: 0 }) // a day of pure load
    const grown = forecaster.forecast(96)
    expect(grown.netWh).toBe(-300)
    expect(strategy.decide(ctx(96, grown)).map((i) => i.side)).toEqual([Side.Buy])
  })
})

describe('mergeCurve', () => {
  it('merges a long curve into at most n orders without trading a slice beyond its own limit', async () => {
    const { mergeCurve } = await import('../gridletNode.js')
    const curve = Array.from({ length: 13 }, (_, i) => ({
      side: i < 9 ? Side.Buy : Side.Sell,
      quantityWh: BigInt(10 + i),
      limitPrice: BigInt(100_000 + i * 10_000),
    }))
    const merged = mergeCurve(curve, 4)
    expect(merged).toHaveLength(4)
    const sum = (side: number, xs: typeof curve) =>
      xs.filter((x) => x.side === side).reduce((s, x) => s + x.quantityWh, 0n)
    expect(sum(Side.Buy, merged)).toBe(sum(Side.Buy, curve))
    expect(sum(Side.Sell, merged)).toBe(sum(Side.Sell, curve))
    const buyLimits = curve.filter((c) => c.side === Side.Buy).map((c) => c.limitPrice)
    for (const m of merged.filter((x) => x.side === Side.Buy)) expect(buyLimits).toContain(m.limitPrice)
    expect(merged.filter((x) => x.side === Side.Buy)[0]!.limitPrice).toBe(100_000n) // a buy bucket bids its lowest
    expect(mergeCurve(curve.slice(0, 3), 4)).toEqual(curve.slice(0, 3))
  })
})
