import { deliverContracts } from '../fast/deliverContracts.js'
import type { OrderPlan } from '../fast/plan.js'
import type { Community } from '../households/assemble.js'
import type { Scenario } from '../scenario/schema.js'
import type { EnvelopeCost } from './gridImpact.js'
import { gridClearingOf, type MarketGrid } from './marketGrid.js'
import { scenarioNetwork } from './scenarioNetwork.js'
import { type SiteLimits, siteLimits } from './siteLimits.js'

/**
 * The site envelopes of a grid-aware market run when it is capacity-aware: `siteLimits` from the clearing's
 * element limits — with `network.market.voltage`, the hosting capacity too — and the interval's orders;
 * undefined otherwise. Needs the plan only, so fast mode derives them while its workers clear.
 *
 * @example
 * const limits = envelopesOf(s, c, grid, plan)
 */
export function envelopesOf(s: Scenario, c: Community, grid: MarketGrid, plan: OrderPlan): SiteLimits | undefined {
  const limits = gridClearingOf(grid, []).limits
  if (s.network === undefined || limits === undefined) return undefined
  const { voltageBand, powerFactor, market } = s.network
  const hosting = market?.voltage === false ? undefined : { band: voltageBand, powerFactor }
  return siteLimits(scenarioNetwork(s.network, c.n), limits, plan, c.T, c.intervalS, hosting)
}

/**
 * Delivery of a grid-aware market run: the batteries follow the contracts (`deliverContracts`); with site
 * envelopes (`limits`, from `envelopesOf`: a capacity-aware market) every household also keeps within its
 * envelope, and the energy that cost is returned as `envelope`.
 *
 * @example
 * const { deliveredWh, envelope } = deliverOnGrid(s, c, envelopesOf(s, c, grid, plan), out.boughtWh, out.soldWh)
 */
export function deliverOnGrid(
  s: Scenario,
  c: Community,
  limits: SiteLimits | undefined,
  boughtWh: Int32Array,
  soldWh: Int32Array,
): { deliveredWh: Int32Array; envelope?: EnvelopeCost } {
  if (limits === undefined) return { deliveredWh: deliverContracts(s, c, boughtWh, soldWh).deliveredWh }
  const d = deliverContracts(s, c, boughtWh, soldWh, limits)
  let pvWh = 0
  for (let h = 0; h < c.n; h++) for (let k = 0; k < c.T; k++) pvWh += c.pv[h * c.stride + c.warmup + k]!
  const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0)
  const curtailed = sum(d.curtailedWh)
  return {
    deliveredWh: d.deliveredWh,
    envelope: {
      curtailedKwh: curtailed / 1000,
      curtailedPct: pvWh > 0 ? (curtailed / pvWh) * 100 : 0,
      curtailingHouseholds: d.curtailedWh.filter((x) => x > 0).length,
      importOverKwh: sum(d.importOverWh) / 1000,
    },
  }
}
