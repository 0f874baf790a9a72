import { compileNetwork } from '../../src/core/grid/index.js'
import type { GridComparisonRow, GridKpis, GridOutcome } from '../grid/gridImpact.js'
import { bucketSize, escapeHtml as esc } from './htmlParts.js'

/**
 * The grid part of the HTML report: the power-flow KPIs (grid only, with the market, and the change), the network
 * drawn as a tree (SVG, feeders left to right from the transformer) coloured by each cable's highest loading and
 * each bus's worst voltage over the run, and a chart of the per-interval voltage range and loadings.
 */
export function renderGridSection(g: GridOutcome, t0Ms: number, intervalMs: number): { html: string; script: string } {
  const rows = gridKpiRows(g)
    .map(([k, a, b, d]) => `<tr><th>${k}</th><td>${a}</td><td>${b}</td><td>${d}</td></tr>`)
    .join('\n')
  const note = g.sameInjections
    ? 'The market did not change what the meters measured in this run (no flexible load followed the trades), so the power flow is the same with and without it.'
    : 'With the market: the meters as the market run left them.'
  const html = `<h2>Grid (power flow)</h2>
<p class="note">Network ${esc(g.network.name)}: ${g.network.buses.length} buses, ${g.network.lines.length} cables, transformer ${g.network.transformer.ratingKva} kVA. Voltage band ${g.voltageBand.min}–${g.voltageBand.max} pu. ${note}</p>
<table id="grid-kpis"><tr><th></th><th>grid only</th><th>with market</th><th>change</th></tr>
${rows}</table>
${envelopeNote(g)}${g.comparison ? comparisonTable(g.comparison) : ''}
<h3>Network, coloured by highest loading over the run</h3>
${networkSvg(g)}
<div class="chart" id="grid"></div>`
  const series = gridSeries(g, t0Ms, intervalMs)
  const script = `
(() => { const g = ${JSON.stringify(series)};
chart('grid', { xAxis: axis, yAxis: [{ type: 'value', name: 'pu', min: (v) => Math.min(0.88, v.min), max: (v) => Math.max(1.12, v.max) }, { type: 'value', name: '% loading' }], series: [
  { name: 'min voltage', type: 'line', showSymbol: false, data: g.t.map((t, i) => [t, g.minVm[i]]) },
  { name: 'max voltage', type: 'line', showSymbol: false, data: g.t.map((t, i) => [t, g.maxVm[i]]) },
  { name: 'max cable loading', type: 'line', yAxisIndex: 1, showSymbol: false, data: g.t.map((t, i) => [t, g.cable[i]]) },
  { name: 'transformer loading', type: 'line', yAxisIndex: 1, showSymbol: false, data: g.t.map((t, i) => [t, g.trafo[i]]) }] }); })();`
  return { html, script }
}

/** Label, grid only, with market, change. */
export function gridKpiRows(g: GridOutcome): [string, string, string, string][] {
  const a = g.gridOnly
  const b = g.withMarket
  const row = (label: string, f: (k: GridKpis) => number, digits: number): [string, string, string, string] => {
    const d = f(b) - f(a)
    return [label, f(a).toFixed(digits), f(b).toFixed(digits), `${d > 0 ? '+' : ''}${d.toFixed(digits)}`]
  }
  return [
    row('voltage violations (bus × interval)', (k) => k.voltageViolations, 0),
    row('hours below the band', (k) => k.undervoltageHours, 1),
    row('hours above the band', (k) => k.overvoltageHours, 1),
    row('cable overload hours', (k) => k.cableOverloadHours, 1),
    row('transformer overload hours', (k) => k.transformerOverloadHours, 1),
    row('losses, kWh', (k) => k.lossesKwh, 1),
    row('losses, % of energy through the transformer', (k) => k.lossesPct, 2),
    row('lowest voltage, pu', (k) => k.minVoltagePu, 4),
    row('highest voltage, pu', (k) => k.maxVoltagePu, 4),
    row('highest cable loading, %', (k) => k.maxCableLoadingPct, 1),
    row('highest transformer loading, %', (k) => k.maxTransformerLoadingPct, 1),
  ]
}

/** What keeping within the site envelopes cost, when the run did. */
function envelopeNote(g: GridOutcome): string {
  const e = g.envelope
  if (e === undefined) return ''
  return `<p class="note" id="grid-envelope">Capacity-aware: every household kept within its site envelope (its share of each cable's and the transformer's limit). PV curtailed: ${e.curtailedKwh.toFixed(1)} kWh (${e.curtailedPct.toFixed(1)} % of generation, ${e.curtailingHouseholds} households); import above the envelopes no device could avoid: ${e.importOverKwh.toFixed(1)} kWh.</p>\n`
}

/** Label and one value per run of a three-run comparison. */
export function comparisonRows(rows: readonly GridComparisonRow[]): [string, ...string[]][] {
  const row = (label: string, f: (r: GridComparisonRow) => string): [string, ...string[]] => [label, ...rows.map(f)]
  return [
    row('transformer overload hours', (r) => r.kpis.transformerOverloadHours.toFixed(1)),
    row('cable overload hours', (r) => r.kpis.cableOverloadHours.toFixed(1)),
    row('voltage violations (bus × interval)', (r) => r.kpis.voltageViolations.toFixed(0)),
    row(
      'hours above / below the band',
      (r) => `${r.kpis.overvoltageHours.toFixed(1)} / ${r.kpis.undervoltageHours.toFixed(1)}`,
    ),
    row(
      'highest transformer / cable loading, %',
      (r) => `${r.kpis.maxTransformerLoadingPct.toFixed(0)} / ${r.kpis.maxCableLoadingPct.toFixed(0)}`,
    ),
    row('highest voltage, pu', (r) => r.kpis.maxVoltagePu.toFixed(4)),
    row('losses, kWh', (r) => r.kpis.lossesKwh.toFixed(1)),
    row('PV curtailed, kWh', (r) => (r.envelope?.curtailedKwh ?? 0).toFixed(1)),
    row('import above the envelopes, kWh', (r) => (r.envelope?.importOverKwh ?? 0).toFixed(1)),
    row('traded on the market, kWh', (r) => r.marketKwh.toFixed(1)),
    row("households' total cost (delivered meters), tokens", (r) => r.householdCost.toLocaleString('en')),
  ]
}

function comparisonTable(rows: readonly GridComparisonRow[]): string {
  const body = comparisonRows(rows)
    .map(([label, ...v]) => `<tr><th>${esc(label)}</th>${v.map((x) => `<td>${esc(x)}</td>`).join('')}</tr>`)
    .join('\n')
  return `<h3>Grid only, unconstrained and capacity-aware market</h3>
<p class="note">The same neighbourhood three ways (sim/grid/compareMarkets.ts): the replayed meters; the market with batteries following the contracts; the capacity-aware market, in which every household also keeps within its site envelope (battery first, PV curtailed last). The cost counts the market trades and the retailer's bill for the delivered meters (curtailed PV earns nothing); the KPI table above and the bills are those of the capacity-aware run.</p>
<table id="grid-comparison"><tr><th></th>${rows.map((r) => `<th>${esc(r.run)}</th>`).join('')}</tr>
${body}</table>
`
}

/** Green below 50 %, through yellow at 80 %, red from 100 %. */
export function loadingColour(pct: number): string {
  const x = Math.max(0, Math.min(1, (pct - 50) / 50))
  const hue = Math.round(120 * (1 - x))
  return `hsl(${hue},75%,${pct >= 100 ? 38 : 45}%)`
}

function networkSvg(g: GridOutcome): string {
  const c = compileNetwork(g.network)
  const n = c.busIds.length
  const children: number[][] = Array.from({ length: n }, () => [])
  for (const b of c.order) if (c.parent[b]! >= 0) children[c.parent[b]!]!.push(b)
  const depth = new Int32Array(n)
  for (const b of c.order) if (c.parent[b]! >= 0) depth[b] = depth[c.parent[b]!]! + 1
  // Leaves take consecutive rows in depth-first order; a parent sits at the mean row of its children.
  const row = new Float64Array(n)
  let rows = 0
  const place = (b: number): number => {
    const ch = children[b]!
    if (ch.length === 0) row[b] = rows++
    else row[b] = ch.map(place).reduce((s, r) => s + r, 0) / ch.length
    return row[b]!
  }
  place(c.root)
  const maxDepth = Math.max(1, ...depth)
  const dx = Math.min(60, 1000 / maxDepth)
  const dy = Math.max(16, Math.min(40, 500 / Math.max(1, rows)))
  const x = (b: number) => 30 + depth[b]! * dx
  const y = (b: number) => 20 + row[b]! * dy
  const width = Math.ceil(60 + maxDepth * dx)
  const height = Math.ceil(40 + Math.max(0, rows - 1) * dy)
  const parts: string[] = []
  for (const [li, l] of g.network.lines.entries()) {
    const b = c.busIndex.get(l.to)!
    const child = c.parent[b] === c.busIndex.get(l.from) ? b : c.busIndex.get(l.from)!
    const up = c.parent[child]!
    const pct = g.detail.lineMaxLoadingPct[li]!
    parts.push(
      `<line x1="${x(up)}" y1="${y(up)}" x2="${x(child)}" y2="${y(child)}" stroke="${loadingColour(pct)}" stroke-width="4"><title>${esc(l.id)}: up to ${pct.toFixed(0)} % of ${l.ampacityA} A</title></line>`,
    )
  }
  for (let b = 0; b < n; b++) {
    const lo = g.detail.busMinVm[b]!
    const hi = g.detail.busMaxVm[b]!
    const bad = lo < g.voltageBand.min || hi > g.voltageBand.max
    parts.push(
      `<circle cx="${x(b)}" cy="${y(b)}" r="${bad ? 4.5 : 3}" fill="${bad ? '#c0182a' : '#1d2430'}"><title>${esc(c.busIds[b]!)}: ${lo.toFixed(3)}–${hi.toFixed(3)} pu</title></circle>`,
    )
  }
  const tl = Math.max(0, ...g.detail.transformerLoadingPct)
  parts.push(
    `<rect x="${x(c.root) - 14}" y="${y(c.root) - 9}" width="18" height="18" fill="${loadingColour(tl)}" stroke="#1d2430"><title>${esc(g.network.transformer.id)}: up to ${tl.toFixed(0)} % of ${g.network.transformer.ratingKva} kVA</title></rect>`,
  )
  const steps: [number, string][] = [
    [50, '≤ 50 %'],
    [75, '75 %'],
    [90, '90 %'],
    [100, '≥ 100 %'],
  ]
  const legend = steps.map(([p, label]) => `<span style="color:${loadingColour(p)}">■</span> ${label}`).join(' &nbsp; ')
  return `<svg id="grid-network" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" style="max-width:100%;height:auto">${parts.join('')}</svg>
<p class="note">Cables: ${legend} of ampacity (highest over the run). Square: the transformer. Red dots: buses that left the voltage band. Hover for values.</p>`
}

function gridSeries(g: GridOutcome, t0Ms: number, intervalMs: number) {
  const T = g.detail.minVm.length
  const bucket = bucketSize(T) // each point keeps the extremes of its bucket
  const out = {
    t: [] as number[],
    minVm: [] as number[],
    maxVm: [] as number[],
    cable: [] as number[],
    trafo: [] as number[],
  }
  const d = g.detail
  for (let k0 = 0; k0 < T; k0 += bucket) {
    let lo = Number.POSITIVE_INFINITY
    let hi = 0
    let cable = 0
    let trafo = 0
    for (let k = k0; k < Math.min(T, k0 + bucket); k++) {
      lo = Math.min(lo, d.minVm[k]!)
      hi = Math.max(hi, d.maxVm[k]!)
      cable = Math.max(cable, d.maxCableLoadingPct[k]!)
      trafo = Math.max(trafo, d.transformerLoadingPct[k]!)
    }
    out.t.push(t0Ms + k0 * intervalMs)
    out.minVm.push(Math.round(lo * 10_000) / 10_000)
    out.maxVm.push(Math.round(hi * 10_000) / 10_000)
    out.cable.push(Math.round(cable * 10) / 10)
    out.trafo.push(Math.round(trafo * 10) / 10)
  }
  return out
}
