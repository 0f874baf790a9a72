/**
 * `npm run eval:strategy [-- --json] [--days D] [--model M] [--flex] [--ev-share S] ...`: the strategies on real
 * data (strategyCommunity.ts). With `--flex` each strategy runs twice with hot-water tanks and EVs (bench/flexLoads.ts)
 * on top of the real loads: at full power from their start (`fixed`) and planned (`flexible`); the table gives the
 * extra savings and self-consumption the flexibility brings.
 */
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import type { ModelName } from '../src/core/forecast/types.js'
import type { FlexLoad, FlexOptions } from './flexLoads.js'
import {
  type CommunityOptions,
  type CommunityReport,
  optimumShare,
  PV_RESIDUAL_DECAY,
  runCommunity,
  type StrategyOutcome,
  savingsShare,
  selfConsumption,
  TARIFF,
} from './strategyCommunity.js'

const HOUR = 3_600_000

function main(): void {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      days: { type: 'string', default: '56' },
      start: { type: 'string', default: '2013-09-01' },
      model: { type: 'string', default: 'empirical-profile' },
      cadence: { type: 'string', default: 'intraday' },
      'pv-decay': { type: 'string', default: String(PV_RESIDUAL_DECAY) },
      flex: { type: 'boolean', default: false },
      // An off-peak tank: switched on at 22:00, its day's heat due by the next 22:00 (24 h window), 3.6 kW.
      'hot-water-share': { type: 'string', default: '0.5' },
      'hot-water-kwh': { type: 'string', default: '6' },
      'hot-water-kw': { type: 'string', default: '3.6' },
      'hot-water-from': { type: 'string', default: '22:00' },
      'hot-water-due': { type: 'string', default: '22:00' },
      'ev-share': { type: 'string', default: '0.25' },
      'ev-kwh': { type: 'string', default: '7' },
      'ev-kw': { type: 'string', default: '7.2' },
      'ev-from': { type: 'string', default: '17:30' },
      'ev-due': { type: 'string', default: '07:30' },
    },
  })
  const opts: CommunityOptions = {
    startMs: Date.parse(`${values.start}T00:00:00Z`) - 10 * HOUR,
    days: Number(values.days),
    warmupDays: 28,
    model: values.model as ModelName,
    cadence: values.cadence as 'day-ahead' | 'intraday',
    pvResidualDecay: Number(values['pv-decay']),
  }
  if (!values.flex) {
    print([{ flex: undefined, report: runCommunity(opts) }], values.json, opts, values.start)
    return
  }
  const load = (name: 'hot-water' | 'ev'): FlexLoad | undefined => {
    const v = (k: string) => values[`${name}-${k}` as keyof typeof values] as string
    const share = Number(v('share'))
    if (share <= 0) return undefined
    return {
      share,
      energyWh: Math.round(Number(v('kwh')) * 1000),
      maxW: Math.round(Number(v('kw')) * 1000),
      startMinute: minuteOf(v('from')),
      dueMinute: minuteOf(v('due')),
    }
  }
  const flex = (plan: FlexOptions['plan']): FlexOptions => ({
    plan,
    tariff: TARIFF,
    hotWater: load('hot-water'),
    ev: load('ev'),
  })
  const runs = (['fixed', 'flexible'] as const).map((plan) => ({
    flex: plan,
    report: runCommunity({ ...opts, flex: flex(plan) }),
  }))
  print(runs, values.json, opts, values.start)
}

interface Run {
  readonly flex: 'fixed' | 'flexible' | undefined
  readonly report: CommunityReport
}

/** Prints every strategy of every run; savings are against the first run's grid-only cost (fixed loads, no trading). */
function print(runs: readonly Run[], json: boolean, opts: CommunityOptions, start: string): void {
  const base = runs[0]!.report.gridOnly.cost
  const rows = runs.flatMap(({ flex, report }) =>
    [report.gridOnly, ...report.outcomes, report.perfect].map((o) => row(flex, report, o, base)),
  )
  if (json) {
    for (const r of rows) console.log(JSON.stringify({ bench: 'strategy', ...r }))
    return
  }
  const h = runs[0]!.report.homes
  console.log(
    `${h.length} SGSC homes (${h.filter((x) => x.pvScale > 0).length} with PV from the customer-12 shape of 2011-12 ` +
      `aligned by day of year, ${h.filter((x) => x.battery).length} with a 10 kWh / 5 kW battery; ` +
      `${h.reduce((a, x) => a + x.filled, 0)} missing load slots filled from a week earlier), ` +
      `${opts.days} days from ${start} (local), ${opts.cadence}, 30-min intervals, k-DA k=1/2, ` +
      `retail 0.30 / feed-in 0.08 per kWh, forecasts: ${opts.model} (PV residual decay ${opts.pvResidualDecay})` +
      (runs[0]!.flex ? '; plus modelled hot-water tanks and EVs, fixed (full power from start) or flexible' : ''),
  )
  console.log('community cost = grid bills under the imbalance rule (trade payments cancel inside the community)')
  console.table(
    rows.map((r) => ({
      ...(r.flex ? { loads: r.flex } : {}),
      strategy: r.strategy,
      'community cost': r.communityCost.toFixed(2),
      'savings vs grid': r.savings.toFixed(2),
      'share of perfect': `${(100 * r.savingsShare).toFixed(1)}%`,
      'share of optimum': r.optimumShare === null ? 'n/a' : `${(100 * r.optimumShare).toFixed(1)}%`,
      'self-consumption': `${(100 * r.selfConsumption).toFixed(1)}%`,
      'traded kWh': r.tradedKwh.toFixed(0),
      'grid import kWh': r.fromGridKwh.toFixed(0),
      'netted cost': r.nettedCost.toFixed(2),
    })),
  )
  console.log(
    'savings vs grid = against the grid-only cost of the first run (fixed loads, no trading); self-consumption =\n' +
      "share of the community's PV used inside it; netted cost = the bills if the whole community met the grid\n" +
      "through one meter (perfect netting) with that run's battery flows",
  )
  const r0 = runs[0]!.report
  console.log(
    `community optimum (perfect foresight, perfect netting, all batteries pooled, loads as metered): ` +
      `${(Number(r0.optimum) / 1e6).toFixed(2)}, savings ${(Number(r0.gridOnly.cost - r0.optimum) / 1e6).toFixed(2)}`,
  )
}

function row(flex: Run['flex'], report: CommunityReport, o: StrategyOutcome, base: bigint) {
  return {
    ...(flex ? { flex } : {}),
    strategy: o.strategy,
    communityCost: Number(o.cost) / 1e6,
    savings: Number(base - o.cost) / 1e6,
    savingsShare: round(savingsShare(report, o), 4),
    // The optimum keeps the loads where they run unplanned: no floor for a run that moves them.
    optimumShare: flex === 'flexible' ? null : round(optimumShare(report, o), 4),
    selfConsumption: round(selfConsumption(report, o), 4),
    tradedKwh: Number(o.tradedWh) / 1000,
    fromGridKwh: Number(o.fromGridWh) / 1000,
    nettedCost: Number(o.nettedCost) / 1e6,
  }
}

const minuteOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))
const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main()
