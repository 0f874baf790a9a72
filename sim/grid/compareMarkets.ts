import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { report } from '../../bench/args.js'
import { GridletError } from '../../src/core/errors.js'
import { settleImbalance } from '../../src/core/strategy/index.js'
import { clearCommunity } from '../fast/run.js'
import { assembleCommunity, type Community } from '../households/assemble.js'
import { type HouseholdDataSource, realDataSource } from '../households/sources.js'
import type { MarketOutcome } from '../outcome.js'
import { writeResults } from '../report/write.js'
import { loadScenario, type Scenario } from '../scenario/schema.js'
import { settle } from '../settle.js'
import type { GridComparisonRow } from './gridImpact.js'

/** One run of the comparison (see `GridComparisonRow`). */
export type MarketComparisonRow = GridComparisonRow

/**
 * Runs a scenario with a `network:` section three ways on one assembled community: grid only (the replayed
 * meters), the grid-aware market without capacity limits and with them (`network.market.capacity` false / true,
 * the scenario's fees in both). In both market runs the batteries follow the contracts; capacity-aware, every
 * household also keeps within its site envelope (sim/grid/siteLimits.ts, src/core/grid/siteEnvelopes.ts).
 *
 * @example
 * const rows = await compareMarkets(loadScenario('sim/scenarios/grid-3feeders-capacity.yaml'))
 */
export async function compareMarkets(
  s: Scenario,
  data: HouseholdDataSource = realDataSource(),
): Promise<MarketComparisonRow[]> {
  return (await runComparison(s, data)).rows
}

/** `compareMarkets`, also returning the community and the capacity-aware run's outcome (for its report). */
export async function runComparison(
  s: Scenario,
  data: HouseholdDataSource = realDataSource(),
): Promise<{ rows: MarketComparisonRow[]; community: Community; capped: MarketOutcome }> {
  const network = s.network
  if (network === undefined)
    throw new GridletError(`scenario ${s.name} has no network: section`, { code: 'SIM_SCENARIO', field: 'network' })
  const market = network.market ?? {
    fees: [0, 0, 0] as const,
    capacity: true,
    voltage: true,
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
  const rows: MarketComparisonRow[] = [
    { run: 'grid-only', kpis: free.grid!.gridOnly, marketKwh: 0, householdCost: householdCost(c) },
    {
      run: 'unconstrained',
      kpis: free.grid!.withMarket,
      marketKwh: kwh(free.volumeWh),
      householdCost: householdCost(c, free),
    },
    {
      run: 'capacity-aware',
      kpis: capped.grid!.withMarket,
      marketKwh: kwh(capped.volumeWh),
      householdCost: householdCost(c, capped),
      ...(capped.grid?.envelope === undefined ? {} : { envelope: capped.grid.envelope }),
    },
  ]
  return { rows, community: c, capped }
}

/** The households' total cost of a run (without one: every replayed meter at retail / feed-in). */
export function householdCost(c: Community, o?: MarketOutcome): number {
  let cost = 0n
  for (let h = 0; h < c.n; h++) {
    for (let k = 0; k < c.T; k++) {
      const i = h * c.T + k
      const metered = o?.deliveredWh?.[i] ?? c.net[h * c.stride + c.warmup + k]!
      const contracted = o === undefined ? 0 : o.boughtWh[i]! - o.soldWh[i]!
      cost += settleImbalance({
        contractedWh: BigInt(contracted),
        meteredWh: BigInt(metered),
        tariff: { retailPrice: BigInt(c.retail[k]!), feedInPrice: BigInt(c.feedIn[k]!) },
      }).cost
    }
    if (o) cost += BigInt(o.paid[h]! - o.received[h]!)
  }
  return Number(cost)
}

/** One JSON object per run, the fields `bench: gridmarket` reports. */
export function comparisonLine(scenario: string, r: MarketComparisonRow): Record<string, unknown> {
  const k = r.kpis
  return {
    bench: 'gridmarket',
    scenario,
    run: r.run,
    transformerOverloadHours: k.transformerOverloadHours,
    cableOverloadHours: k.cableOverloadHours,
    voltageViolations: k.voltageViolations,
    overvoltageHours: k.overvoltageHours,
    undervoltageHours: k.undervoltageHours,
    lossesKwh: Number(k.lossesKwh.toFixed(2)),
    maxCableLoadingPct: Number(k.maxCableLoadingPct.toFixed(1)),
    maxTransformerLoadingPct: Number(k.maxTransformerLoadingPct.toFixed(1)),
    maxVoltagePu: Number(k.maxVoltagePu.toFixed(4)),
    marketKwh: Number(r.marketKwh.toFixed(1)),
    householdCost: r.householdCost,
    curtailedKwh: Number((r.envelope?.curtailedKwh ?? 0).toFixed(1)),
    curtailedPct: Number((r.envelope?.curtailedPct ?? 0).toFixed(2)),
    importOverKwh: Number((r.envelope?.importOverKwh ?? 0).toFixed(1)),
  }
}

// `npm run eval:gridmarket -- [scenario] [--json] [--out dir]`: a table of the three runs, with `--json` one line per
// run (bench/args.ts, as every bench script); with --out, the results directory and HTML report of the
// capacity-aware run, with the three-run comparison in its grid section.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, out: { type: 'string' } },
  })
  const s = loadScenario(positionals[0] ?? 'sim/scenarios/grid-3feeders-capacity.yaml')
  const { rows, community, capped } = await runComparison(s)
  report(rows.map((r) => comparisonLine(s.name, r)))
  if (values.out !== undefined) {
    const o: MarketOutcome = { ...capped, ...(capped.grid ? { grid: { ...capped.grid, comparison: rows } } : {}) }
    const { bills, kpis } = settle(s.name, community, o)
    console.error(`report: ${await writeResults(values.out, s, community, o, bills, kpis)}`)
  }
}
