import type { Community } from '../households/assemble.js'
import type { MarketOutcome } from '../outcome.js'
import type { Scenario } from '../scenario/schema.js'
import type { EnvelopeCost, GridOutcome, GridRunOptions } from './gridImpact.js'
import { runGrid } from './gridImpact.js'
import { scenarioNetwork } from './scenarioNetwork.js'

/**
 * Adds the grid side to a run's outcome when the scenario has a `network:` section: the power flow of every
 * interval, once for the meters as replayed (grid only) and once for the meters as the market run left them
 * (`outcome.deliveredWh`, when a run changes them; otherwise the same series, and `sameInjections` says so), with
 * what the site envelopes cost when the run kept within them (`envelope`, from `deliverOnGrid`).
 *
 * @example
 * const outcome = attachGrid(s, community, await clearCommunity(s, community))
 * outcome.grid?.withMarket.cableOverloadHours
 */
export function attachGrid(s: Scenario, c: Community, o: MarketOutcome, envelope?: EnvelopeCost): MarketOutcome {
  if (s.network === undefined) return o
  const cn = scenarioNetwork(s.network, c.n)
  const opts: GridRunOptions = {
    T: c.T,
    intervalS: c.intervalS,
    voltageBand: s.network.voltageBand,
    powerFactor: s.network.powerFactor,
  }
  const gridOnly = runGrid(cn, { data: c.net, stride: c.stride, base: c.warmup }, opts)
  const same = o.deliveredWh === undefined || sameSeries(c, o.deliveredWh)
  const market = same ? gridOnly : runGrid(cn, { data: o.deliveredWh!, stride: c.T, base: 0 }, opts)
  const grid: GridOutcome = {
    network: cn.network,
    voltageBand: s.network.voltageBand,
    gridOnly: gridOnly.kpis,
    withMarket: market.kpis,
    sameInjections: same,
    detail: market.detail,
    ...(envelope === undefined ? {} : { envelope }),
  }
  return { ...o, grid }
}

function sameSeries(c: Community, delivered: Int32Array): boolean {
  for (let h = 0; h < c.n; h++)
    for (let k = 0; k < c.T; k++) if (delivered[h * c.T + k] !== c.net[h * c.stride + c.warmup + k]) return false
  return true
}
