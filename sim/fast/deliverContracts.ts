import { type BatteryState, deliverBattery } from '../../src/core/strategy/index.js'
import type { Community } from '../households/assemble.js'
import type { Scenario } from '../scenario/schema.js'

/**
 * Physical delivery that follows the market: per household, in interval order, its battery steers the meter
 * towards the contracted net position of the interval (bought - sold on the market; 0 where it did not trade,
 * which is plain self-consumption), with the core's `deliverBattery` as the home's controller runs it. The battery
 * starts where assembly started it (half full at the beginning of the warm-up) and runs self-consumption through
 * the warm-up, so until its first trade a household delivers exactly its replayed meter (afterwards its charge
 * differs, and so may an untraded interval). Households without a battery
 * deliver their replayed meter unchanged. Returns the metered net per household and interval, `[h * T + k]`.
 *
 * @example
 * const deliveredWh = deliverContracts(s, community, outcome.boughtWh, outcome.soldWh)
 */
export function deliverContracts(s: Scenario, c: Community, boughtWh: Int32Array, soldWh: Int32Array): Int32Array {
  const { n, T, warmup, stride, intervalS } = c
  const { powerW, efficiency } = s.households.battery
  const out = new Int32Array(n * T)
  for (let h = 0; h < n; h++) {
    const o = h * stride
    const capacityWh = c.households[h]?.batteryWh ?? 0
    if (capacityWh <= 0) {
      out.set(c.net.subarray(o + warmup, o + stride), h * T)
      continue
    }
    let battery: BatteryState | undefined = { capacityWh, powerW, efficiency, socWh: Math.floor(capacityWh / 2) }
    for (let j = 0; j < stride; j++) {
      const k = j - warmup
      const contracted = k < 0 ? 0 : boughtWh[h * T + k]! - soldWh[h * T + k]!
      const d = deliverBattery(battery, contracted, c.load[o + j]!, c.pv[o + j]!, intervalS)
      battery = d.battery
      if (k >= 0) out[h * T + k] = d.meteredWh
    }
  }
  return out
}
