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
