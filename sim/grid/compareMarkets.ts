import { pathToFileURL } from 'node:url'
import { GridletError } from '../../src/core/errors.js'
import { clearCommunity } from '../fast/run.js'
import { assembleCommunity } from '../households/assemble.js'
import { type HouseholdDataSource, realDataSource } from '../households/sources.js'
import { loadScenario, type Scenario } from '../scenario/schema.js'
import type { GridKpis } from './gridImpact.js'

/** The grid KPIs of one way to run a scenario's neighbourhood, with the energy its market traded. */
export interface MarketComparisonRow {
  readonly run: 'grid-only' | 'unconstrained' | 'capacity-aware'
  readonly kpis: GridKpis
  readonly marketKwh: number
}

/**
 * Runs a scenario with a `network:` section three ways on one assembled community: grid only (the replayed
 * meters), the grid-aware market without capacity limits and with them (`network.market.capacity` false / true,
 * the scenario's fees in both), the batteries following the contracts in both market runs.
 *
 * @example
 * const rows = await compareMarkets(loadScenario('sim/scenarios/grid-3feeders-capacity.yaml'))
 */
export async function compareMarkets(
  s: Scenario,
  data: HouseholdDataSource = realDataSource(),
): Promise<MarketComparisonRow[]> {
  const network = s.network
  if (network === undefined)
    throw new GridletError(`scenario ${s.name} has no network: section`, { code: 'SIM_SCENARIO', field: 'network' })
  const market = network.market ?? {
    fees: [0, 0, 0] as const,
    capacity: true,
    feeRecipient: '0x00000000000000000000000000000000000000d5',
  }
  const withCapacity = (capacity: boolean): Scenario => ({
    ...s,
    network: { ...network, market: { ...market, capacity } },
  })
  const c = assembleCommunity(s, data)
  const free = await clearCommunity(withCapacity(false), c)
  const capped = await clearCommunity(withCapacity(true), c)
  const kwh = (v: Float64Array) => v.reduce((a, b) => a + b, 0) / 1000
  return [
    { run: 'grid-only', kpis: free.grid!.gridOnly, marketKwh: 0 },
    { run: 'unconstrained', kpis: free.grid!.withMarket, marketKwh: kwh(free.volumeWh) },
    { run: 'capacity-aware', kpis: capped.grid!.withMarket, marketKwh: kwh(capped.volumeWh) },
  ]
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const s = loadScenario(process.argv[2] ?? 'sim/scenarios/grid-3feeders-capacity.yaml')
  for (const r of await compareMarkets(s)) {
    const k = r.kpis
    console.log(
      JSON.stringify({
        bench: 'gridmarket',
        scenario: s.name,
        run: r.run,
        transformerOverloadHours: k.transformerOverloadHours,
        cableOverloadHours: k.cableOverloadHours,
        voltageViolations: k.voltageViolations,
        lossesKwh: Number(k.lossesKwh.toFixed(2)),
        maxCableLoadingPct: Number(k.maxCableLoadingPct.toFixed(1)),
        maxTransformerLoadingPct: Number(k.maxTransformerLoadingPct.toFixed(1)),
        marketKwh: Number(r.marketKwh.toFixed(1)),
      }),
    )
  }
}
