import { dispatchSite } from '../../src/core/grid/dispatchSite.js'
import { type BatteryState, deliverBattery } from '../../src/core/strategy/index.js'
import type { SiteLimits } from '../grid/siteLimits.js'
import type { Community } from '../households/assemble.js'
import type { Scenario } from '../scenario/schema.js'

/** What the households physically did in a market run, `[h * T + k]` Wh, and what the site envelopes cost them. */
export interface Delivery {
  readonly deliveredWh: Int32Array
  /** PV curtailed to keep the export within the site envelope, per household, Wh (0 without envelopes). */
  readonly curtailedWh: Float64Array
  /** Import above the site envelope that no device could avoid, per household, Wh. */
  readonly importOverWh: Float64Array
}

/**
 * Physical delivery that follows the market: per household, in interval order, its battery steers the meter
 * towards the contracted net position of the interval (bought - sold on the market; 0 where it did not trade,
 * which is plain self-consumption), with the core's `deliverBattery`, as the home's controller runs it. The battery
 * starts where assembly started it (half full at the beginning of the warm-up) and runs self-consumption through
 * the warm-up, so until its first trade a household delivers exactly its replayed meter (afterwards its charge
 * differs, and so may an untraded interval). Households without a battery deliver their replayed meter unchanged.
 *
 * With `limits` (the capacity-aware market: each site's envelope per interval, sim/grid/siteLimits.ts) every
 * household dispatches against its envelope within the period (`dispatchSite`): the battery absorbs export above
 * the limit and covers import above it before it follows the contract, holds its room while the forecast excess
 * until the end of the PV surplus (the household's own asks over its export limits) would fill it anyway, and PV
 * is curtailed for what remains above the export limit — batteryless homes included.
 *
 * @example
 * const { deliveredWh } = deliverContracts(s, community, outcome.boughtWh, outcome.soldWh)
 */
export function deliverContracts(
  s: Scenario,
  c: Community,
  boughtWh: Int32Array,
  soldWh: Int32Array,
  limits?: SiteLimits,
): Delivery {
  const { n, T, warmup, stride, intervalS } = c
  const { powerW, efficiency } = s.households.battery
  const out: Delivery = {
    deliveredWh: new Int32Array(n * T),
    curtailedWh: new Float64Array(n),
    importOverWh: new Float64Array(n),
  }
  const ahead = new Float64Array(T)
  for (let h = 0; h < n; h++) {
    const o = h * stride
    const capacityWh = c.households[h]?.batteryWh ?? 0
    if (capacityWh <= 0 && limits === undefined) {
      out.deliveredWh.set(c.net.subarray(o + warmup, o + stride), h * T)
      continue
    }
    if (limits) excessAhead(limits, h, T, ahead)
    let battery: BatteryState | undefined =
      capacityWh > 0 ? { capacityWh, powerW, efficiency, socWh: Math.floor(capacityWh / 2) } : undefined
    for (let j = 0; j < stride; j++) {
      const k = j - warmup
      const contracted = k < 0 ? 0 : boughtWh[h * T + k]! - soldWh[h * T + k]!
      const load = c.load[o + j]!
      const pv = c.pv[o + j]!
      if (k < 0 || limits === undefined) {
        const d = deliverBattery(battery, contracted, load, pv, intervalS)
        battery = d.battery
        if (k >= 0) out.deliveredWh[h * T + k] = d.meteredWh
        continue
      }
      const room = battery ? (battery.capacityWh - battery.socWh) / battery.efficiency : 0
      const d = dispatchSite(
        battery,
        {
          contractedWh: contracted,
          loadWh: load,
          pvWh: pv,
          importLimitWh: limits.importWh[h * T + k]!,
          exportLimitWh: limits.exportWh[h * T + k]!,
          reserve: battery !== undefined && ahead[k]! >= room,
        },
        intervalS,
      )
      battery = d.battery
      out.deliveredWh[h * T + k] = d.meteredWh
      out.curtailedWh[h] = out.curtailedWh[h]! + d.curtailedWh
      out.importOverWh[h] = out.importOverWh[h]! + d.importOverWh
    }
  }
  return out
}

/**
 * `ahead[k]`: the household's forecast export above its limit from interval k to the end of the run of intervals
 * in which it forecasts export (its PV surplus of the day), Wh.
 */
function excessAhead(limits: SiteLimits, h: number, T: number, ahead: Float64Array): void {
  let acc = 0
  for (let k = T - 1; k >= 0; k--) {
    const fc = limits.forecastExportWh[h * T + k]!
    acc = fc > 0 ? acc + Math.max(0, fc - limits.exportWh[h * T + k]!) : 0
    ahead[k] = acc
  }
}
