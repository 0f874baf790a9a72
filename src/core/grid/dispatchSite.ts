import { type BatteryState, deliverBattery } from '../strategy/index.js'

/** One interval at one connection point: what was contracted, what the home does, and its site limits, whole Wh. */
export interface SiteInterval {
  /** Bought - sold on the market for the interval (0: self-consumption). */
  readonly contractedWh: number
  readonly loadWh: number
  readonly pvWh: number
  /** The site's envelope for the interval (`createSiteEnvelopes`). */
  readonly importLimitWh: number
  readonly exportLimitWh: number
  /**
   * Keep the battery's room for export above the limit later on: charge only from surplus beyond the export limit
   * (set when the forecast excess over the limit until the PV surplus ends would fill the battery anyway).
   */
  readonly reserve: boolean
}

export interface SiteDispatch {
  /** What the meter records, whole Wh (negative: export); within the export limit always. */
  readonly meteredWh: number
  /** Into (positive) or out of (negative) the battery terminals, Wh. */
  readonly batteryWh: number
  /** PV energy curtailed to keep the export within its limit, Wh. */
  readonly curtailedWh: number
  /** Import above the site limit that no device could avoid (base load is never cut), Wh. */
  readonly importOverWh: number
  readonly battery: BatteryState | undefined
}

/**
 * How a home's controller meets its site envelope in one interval, in this order: the battery steers the meter to
 * the contracted position clamped into `[-exportLimit, importLimit]` (so it charges from export above the limit
 * and discharges to cover import above it before it follows the contract), with `reserve` it leaves surplus within
 * the export limit to the grid instead of charging from it; what is still exported beyond the limit is curtailed
 * PV (the last resort: lost energy). Import above the limit is reported, not cut.
 *
 * @example
 * dispatchSite(battery, { contractedWh: 0, loadWh: 300, pvWh: 4300, importLimitWh: 2000, exportLimitWh: 1500, reserve: false }, 1800)
 */
export function dispatchSite(battery: BatteryState | undefined, x: SiteInterval, intervalS: number): SiteDispatch {
  const raw = x.loadWh - x.pvWh
  const floor = 0 - x.exportLimitWh // not -0
  let target = Math.min(x.importLimitWh, Math.max(floor, x.contractedWh))
  if (x.reserve && raw < 0) target = Math.max(floor, Math.min(raw, target))
  const d = deliverBattery(battery, target, x.loadWh, x.pvWh, intervalS)
  const curtailedWh = Math.max(0, floor - d.meteredWh)
  const meteredWh = d.meteredWh + curtailedWh
  return {
    meteredWh,
    batteryWh: d.batteryWh,
    curtailedWh,
    importOverWh: Math.max(0, meteredWh - x.importLimitWh),
    battery: d.battery,
  }
}
