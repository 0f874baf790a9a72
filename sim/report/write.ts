import { once } from 'node:events'
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Community } from '../households/assemble.js'
import type { MarketOutcome } from '../outcome.js'
import type { Scenario } from '../scenario/schema.js'
import type { Bill, Kpis } from '../settle.js'
import { renderHtmlReport } from './html.js'

/** Files of a results directory. */
export const RESULT_FILES = {
  intervals: 'intervals.csv',
  trades: 'trades.csv',
  bills: 'bills.csv',
  kpis: 'kpi.json',
  scenario: 'scenario.json',
  report: 'report.html',
  /** With a `network:` section: the power-flow KPIs (grid.json) and per-interval voltage range and loadings. */
  grid: 'grid.json',
  gridIntervals: 'grid-intervals.csv',
} as const

/**
 * Writes a run's results directory: per-interval prices and volumes, trades (unless the scenario asks for a
 * summary), per-household bills, KPI JSON, the validated scenario and the HTML report. Returns the report's path.
 */
export async function writeResults(
  dir: string,
  s: Scenario,
  c: Community,
  o: MarketOutcome,
  bills: readonly Bill[],
  kpis: Kpis,
): Promise<string> {
  mkdirSync(dir, { recursive: true })
  await writeCsv(join(dir, RESULT_FILES.intervals), intervalRows(c, o))
  if (o.trades) await writeCsv(join(dir, RESULT_FILES.trades), tradeRows(c, o))
  await writeCsv(join(dir, RESULT_FILES.bills), billRows(bills))
  writeFileSync(join(dir, RESULT_FILES.kpis), `${JSON.stringify(kpis, null, 2)}\n`)
  writeFileSync(join(dir, RESULT_FILES.scenario), `${JSON.stringify(s, null, 2)}\n`)
  if (o.grid) {
    const { gridOnly, withMarket, sameInjections, voltageBand, network, envelope, comparison } = o.grid
    const summary = { network: network.name, voltageBand, sameInjections, gridOnly, withMarket, envelope, comparison }
    writeFileSync(join(dir, RESULT_FILES.grid), `${JSON.stringify(summary, null, 2)}\n`)
    await writeCsv(join(dir, RESULT_FILES.gridIntervals), gridRows(c, o))
  }
  const report = join(dir, RESULT_FILES.report)
  writeFileSync(report, renderHtmlReport(s, c, o, bills, kpis))
  return report
}

function* intervalRows(c: Community, o: MarketOutcome): Generator<string> {
  yield 'k,interval,start_utc,retail,feed_in,clearing_price,traded_wh,trades,community_net_wh,root'
  for (let k = 0; k < c.T; k++) {
    let net = 0
    for (let h = 0; h < c.n; h++) net += c.net[h * c.stride + c.warmup + k] as number
    const p = o.price[k] as number
    const start = new Date((c.firstInterval + k) * c.intervalS * 1000).toISOString()
    yield `${k},${c.firstInterval + k},${start},${c.retail[k]},${c.feedIn[k]},${Number.isNaN(p) ? '' : Math.round(p)},${o.volumeWh[k]},${o.tradeCount[k]},${net},${o.roots[k]}`
  }
}

function* gridRows(c: Community, o: MarketOutcome): Generator<string> {
  const d = o.grid!.detail
  yield 'k,interval,min_vm_pu,max_vm_pu,max_cable_loading_pct,transformer_loading_pct,losses_wh'
  for (let k = 0; k < c.T; k++) {
    yield `${k},${c.firstInterval + k},${d.minVm[k]!.toFixed(5)},${d.maxVm[k]!.toFixed(5)},${d.maxCableLoadingPct[k]!.toFixed(2)},${d.transformerLoadingPct[k]!.toFixed(2)},${d.lossesWh[k]!.toFixed(1)}`
  }
}

function* tradeRows(c: Community, o: MarketOutcome): Generator<string> {
  yield 'k,interval,buyer,seller,quantity_wh,price,amount,buy_id,sell_id'
  for (const t of o.trades ?? []) {
    yield `${t.k},${c.firstInterval + t.k},${t.buyer},${t.seller},${t.quantityWh},${t.price},${t.amount},${t.buyId},${t.sellId}`
  }
}

function* billRows(bills: readonly Bill[]): Generator<string> {
  const cols = Object.keys(bills[0] ?? {}) as (keyof Bill)[]
  yield cols.map((c) => c.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`)).join(',')
  for (const b of bills) yield cols.map((c) => b[c]).join(',')
}

async function writeCsv(path: string, rows: Iterable<string>): Promise<void> {
  const out = createWriteStream(path)
  for (const row of rows) {
    if (!out.write(`${row}\n`)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
}
