import type { Community } from '../households/assemble.js'
import type { MarketOutcome } from '../outcome.js'
import type { Scenario } from '../scenario/schema.js'
import type { EnvelopeCost, GridDetail, GridKpis, GridOutcome, GridRunOptions } from './gridImpact.js'
import { runGrid } from './gridImpact.js'
import type { NetworkSection } from './networkSection.js'
import { scenarioNetwork } from './scenarioNetwork.js'

/** The power flow of one set of injections over a run. */
export interface GridRun {
  readonly kpis: GridKpis
  readonly detail: GridDetail
}

/**
 * Adds the grid side to a run's outcome when the scenario has a `network:` section: the power flow of every
 * interval, once for the meters as replayed (grid only; `gridOnly` when the caller already ran it, see
 * `runGridOnly`) and once for the meters as the market run left them (`outcome.deliveredWh`, when a run changes
 * them; otherwise the same series, and `sameInjections` says so), with what the site envelopes cost when the run
 * kept within them (`envelope`, from `deliverOnGrid`).
 *
 * @example
 * const outcome = attachGrid(s, community, await clearCommunity(s, community))
 * outcome.grid?.withMarket.cableOverloadHours
 */
export function attachGrid(
  s: Scenario,
  c: Community,
  o: MarketOutcome,
  opts: { readonly envelope?: EnvelopeCost | undefined; readonly gridOnly?: GridRun | undefined } = {},
): MarketOutcome {
  if (s.network === undefined) return o
  const cn = scenarioNetwork(s.network, c.n)
  const gridOnly = opts.gridOnly ?? runGridOnly(s, c)!
  const same = o.deliveredWh === undefined || sameSeries(c, o.deliveredWh)
  const market = same
    ? gridOnly
    : runGrid(cn, { data: o.deliveredWh!, stride: c.T, base: 0 }, gridOptions(s.network, c))
  const grid: GridOutcome = {
    network: cn.network,
    voltageBand: s.network.voltageBand,
    gridOnly: gridOnly.kpis,
    withMarket: market.kpis,
    sameInjections: same,
    detail: market.detail,
    ...(opts.envelope === undefined ? {} : { envelope: opts.envelope }),
  }
  return { ...o, grid }
}

/**
 * The power flow of the community's meters as replayed, without a local market (`attachGrid`'s grid-only side);
 * undefined without a `network:` section. Depends on the community alone, so fast mode runs it while its workers
 * plan.
 *
 * @example
 * const gridOnly = runGridOnly(s, community)
 */
export function runGridOnly(s: Scenario, c: Community): GridRun | undefined {
  if (s.network === undefined) return undefined
  return runGrid(
    scenarioNetwork(s.network, c.n),
    { data: c.net, stride: c.stride, base: c.warmup },
    gridOptions(s.network, c),
  )
}

function gridOptions(net: NetworkSection, c: Community): GridRunOptions {
  return { T: c.T, intervalS: c.intervalS, voltageBand: net.voltageBand, powerFactor: net.powerFactor }
}

function sameSeries(c: Community, delivered: Int32Array): boolean {
  for (let h = 0; h < c.n; h++)
    for (let k = 0; k < c.T; k++) if (delivered[h * c.T + k] !== c.net[h * c.stride + c.warmup + k]) return false
  return true
}
