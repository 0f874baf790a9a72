import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Community } from '../households/assemble.js'
import type { MarketOutcome } from '../outcome.js'
import type { Bill, Kpis } from '../settle.js'
import { renderGridSection } from './gridSection.js'
import { bucketSize, escapeHtml } from './htmlParts.js'

const require = createRequire(import.meta.url)

/**
 * A self-contained HTML report: the KPI table and four charts, with the echarts build inlined so the file opens
 * offline in any browser.
 */
export function renderHtmlReport(
  scenario: { name: string; description: string },
  c: Community,
  o: MarketOutcome,
  bills: readonly Bill[],
  kpis: Kpis,
): string {
  const echarts = readFileSync(require.resolve('echarts/dist/echarts.min.js'), 'utf8')
  const data = {
    series: timeSeries(c, o),
    bills: bills.map((b) => ({
      h: b.household,
      total: b.total,
      gridOnly: b.gridOnly,
      kWp: b.kWp,
      battery: b.batteryWh,
    })),
  }
  const grid = o.grid ? renderGridSection(o.grid, c.firstInterval * c.intervalS * 1000, c.intervalS * 1000) : undefined
  const rows = kpiRows(kpis)
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gridlet simulation: ${escapeHtml(scenario.name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1rem 1.5rem;color:#1d2430}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.1rem;margin:1.6rem 0 .4rem}
table{border-collapse:collapse}th,td{padding:.2rem .8rem;border-bottom:1px solid #e3e6ea;text-align:left}
td{font-variant-numeric:tabular-nums}.chart{width:100%;height:340px}.note{color:#5b6573;font-size:.9rem}
</style></head><body>
<h1>gridlet simulation: ${escapeHtml(scenario.name)}</h1>
<p>${escapeHtml(scenario.description)}</p>
<p class="note">Loads: SGSC smart-meter trial (Ausgrid, 2012–2014); PV: Ausgrid solar home customer 12 (2011–2012) scaled
per home, aligned by day of year and time of day — the years differ. Money in token units (per kWh for prices). Times in UTC.</p>
<h2>Key figures</h2><table id="kpis">${rows}</table>
<h2>Prices</h2><div class="chart" id="prices"></div>
<h2>Energy</h2><div class="chart" id="energy"></div>
<h2>Local trading</h2><div class="chart" id="volume"></div>
<h2>Bills per household</h2><div class="chart" id="bills"></div>
${grid?.html ?? ''}
<script>${echarts}</script>
<script>
const DATA = ${JSON.stringify(data)};
const s = DATA.series;
const axis = { type: 'time' };
const line = (name, ys, extra) => ({ name, type: 'line', showSymbol: false, sampling: 'lttb', data: s.t.map((t, i) => [t, ys[i]]), ...extra });
function chart(id, option) {
  const c = echarts.init(document.getElementById(id));
  c.setOption({ animation: false, useUTC: true, tooltip: { trigger: 'axis' }, legend: {}, grid: { left: 70, right: 30 }, ...option });
  window.addEventListener('resize', () => c.resize());
}
chart('prices', { xAxis: axis, yAxis: { type: 'value', name: 'per kWh' }, series: [
  line('clearing price', s.price, { connectNulls: false }), line('retail', s.retail, { lineStyle: { type: 'dashed' } }),
  line('feed-in', s.feedIn, { lineStyle: { type: 'dashed' } })] });
chart('energy', { xAxis: axis, yAxis: { type: 'value', name: 'kWh / interval' }, series: [
  line('load', s.load), line('PV', s.pv), line('community net import', s.net)] });
chart('volume', { xAxis: axis, yAxis: { type: 'value', name: 'kWh' }, series: [
  { name: 'traded', type: 'bar', data: s.t.map((t, i) => [t, s.volume[i]]) }] });
chart('bills', { xAxis: { type: 'category', name: 'household', data: DATA.bills.map((b) => b.h) },
  yAxis: { type: 'value', name: 'token units' }, series: [
  { name: 'grid only', type: 'bar', data: DATA.bills.map((b) => b.gridOnly) },
  { name: 'with local market', type: 'bar', data: DATA.bills.map((b) => b.total) }] });
${grid?.script ?? ''}
</script></body></html>
`
}

/** Per-interval community series, averaged into buckets (`bucketSize`); energy in kWh, time in unix ms. */
function timeSeries(c: Community, o: MarketOutcome) {
  const bucket = bucketSize(c.T)
  const len = Math.ceil(c.T / bucket)
  const out = {
    t: [] as number[],
    price: [] as (number | null)[],
    retail: [] as number[],
    feedIn: [] as number[],
    load: [] as number[],
    pv: [] as number[],
    net: [] as number[],
    volume: [] as number[],
  }
  for (let b = 0; b < len; b++) {
    const k0 = b * bucket
    const k1 = Math.min(c.T, k0 + bucket)
    let load = 0
    let pv = 0
    let net = 0
    let vol = 0
    let pvol = 0
    let retail = 0
    let feedIn = 0
    for (let k = k0; k < k1; k++) {
      for (let h = 0; h < c.n; h++) {
        const j = h * c.stride + c.warmup + k
        load += c.load[j] as number
        pv += c.pv[j] as number
        net += c.net[j] as number
      }
      const v = o.volumeWh[k] as number
      vol += v
      if (v > 0) pvol += (o.price[k] as number) * v
      retail += c.retail[k] as number
      feedIn += c.feedIn[k] as number
    }
    const m = k1 - k0
    out.t.push((c.firstInterval + k0) * c.intervalS * 1000)
    out.price.push(vol > 0 ? Math.round(pvol / vol) : null)
    out.retail.push(Math.round(retail / m))
    out.feedIn.push(Math.round(feedIn / m))
    out.load.push(round3(load / m / 1000))
    out.pv.push(round3(pv / m / 1000))
    out.net.push(round3(net / m / 1000))
    out.volume.push(round3(vol / 1000))
  }
  return out
}

const round3 = (x: number) => Math.round(x * 1000) / 1000

/** The KPI table as label/value rows (also printed on the terminal). */
export function kpiRows(k: Kpis): [string, string][] {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`
  const int = (x: number) => Math.round(x).toLocaleString('en-US')
  const rows: [string, string][] = [
    ['mode / rule', `${k.mode} / ${k.rule}`],
    ['households × intervals', `${k.households} × ${k.intervals}`],
    ['community cost (with market)', int(k.communityCost)],
    ['community cost (grid only)', int(k.gridOnlyCost)],
    ['savings', `${int(k.savings)} (${k.savingsPct.toFixed(2)} %)`],
    ['perfect-foresight optimum', int(k.optimumCost)],
    ['market efficiency', pct(k.marketEfficiency)],
    ['self-sufficiency', pct(k.selfSufficiency)],
    ['self-consumption', pct(k.selfConsumption)],
    ['peak grid import', `${k.peakGridImportKw.toFixed(1)} kW`],
    ['consumption / PV', `${int(k.loadKwh)} kWh / ${int(k.pvKwh)} kWh`],
    ['traded', `${k.tradedKwh.toFixed(1)} kWh in ${int(k.trades)} trades, ${int(k.intervalsWithTrades)} intervals`],
    [
      'clearing price min / median / max',
      `${int(k.price.min)} / ${int(k.price.median)} / ${int(k.price.max)} (vol.-weighted ${int(k.price.volumeWeighted)})`,
    ],
    ['run root', k.runRoot],
  ]
  if (k.network) {
    const n = k.network
    rows.push(
      ['nodes', String(n.nodes)],
      ['gossip messages published / received', `${int(n.messagesPublished)} / ${int(n.messagesReceived)}`],
      ['agreement rate', pct(n.agreementRate)],
      ['not agreed (node × interval)', JSON.stringify(n.disagreements)],
      ['meter reads over Modbus: missing / mismatched', `${n.meterMissing} / ${n.meterMismatches}`],
      ['settled intervals', `${n.settledIntervals} of ${n.intervalsWithTrades} with trades`],
      ['gas used', n.gasUsed],
      [
        'wall time',
        `${n.wallSeconds.toFixed(1)} s (clock held ${n.clockHeldSeconds.toFixed(1)} s, ${n.barriersReleased} barriers released)`,
      ],
    )
  }
  return rows
}
