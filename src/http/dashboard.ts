/**
 * The local dashboard: one HTML page and one script, self-contained (no CDN, no build step), polling
 * `/api/status` every two seconds. Money is shown in the token's display unit when the status names it (`token`:
 * symbol and decimals, from the market file), else in its smallest units; energy Wh, power W.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gridlet node</title>
<link rel="icon" href="data:,">
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2733; background: #f4f6f8; }
  body { margin: 0 auto; max-width: 1100px; padding: 16px; }
  header { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; }
  h1 { font-size: 20px; margin: 0; }
  h2 { font-size: 15px; margin: 0 0 8px; color: #4a5868; }
  .mono { font-family: ui-monospace, monospace; font-size: 12px; color: #4a5868; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr)); gap: 12px; margin: 12px 0; }
  .card { background: #fff; border-radius: 8px; padding: 12px 14px; box-shadow: 0 1px 2px #0001; }
  .big { font-size: 30px; font-weight: 600; }
  .badge { padding: 2px 10px; border-radius: 12px; font-weight: 600; color: #fff; background: #888; }
  .ok { background: #2e8b57; } .degraded { background: #d98c00; } .down { background: #c0392b; }
  table { width: 100%; border-collapse: collapse; font-size: 13px; }
  th, td { text-align: right; padding: 4px 6px; border-bottom: 1px solid #e4e8ec; }
  th:first-child, td:first-child { text-align: left; }
  .sell { color: #2e8b57; } .buy { color: #2a6fb0; }
  svg { width: 100%; height: auto; display: block; }
  ul { margin: 0; padding-left: 18px; }
</style>
</head>
<body>
<header>
  <h1>gridlet node</h1>
  <span id="health" class="badge">…</span>
  <span class="mono" id="account"></span>
</header>
<div class="grid">
  <div class="card"><h2>Live power</h2><div class="big" id="power">–</div><div id="power-note" class="mono"></div></div>
  <div class="card"><h2>Earnings</h2><div class="big" id="earnings">–</div><div class="mono" id="earnings-note">token units, net of purchases</div></div>
  <div class="card"><h2>Market</h2><div>Peers: <b id="peers">–</b></div><div>Next interval: <b id="next"></b></div><div>Gate closes in <b id="closes"></b></div></div>
  <div class="card"><h2>Node health</h2><ul id="checks"></ul><div class="mono" id="settlement"></div></div>
</div>
<div class="card"><h2>Power, last hour (W, + import / − export)</h2><svg id="power-chart" viewBox="0 0 600 140"></svg></div>
<div class="grid">
  <div class="card"><h2>Forecast vs actual (net Wh per interval, + surplus)</h2>
    <svg id="forecast-chart" viewBox="0 0 600 140"></svg>
    <div class="mono"><span style="color:#d98c00">- -</span> forecast <span style="color:#2a6fb0">●</span> measured</div></div>
</div>
<div class="card"><h2>Orders</h2><table id="orders"><thead><tr><th>Interval</th><th>Side</th><th>Quantity (Wh)</th><th>Limit (/kWh)</th><th>Filled (Wh)</th><th>State</th></tr></thead><tbody></tbody></table></div>
<div class="card" style="margin-top:12px"><h2>Trades</h2><table id="trades"><thead><tr><th>Interval</th><th>Side</th><th>Counterparty</th><th>Quantity (Wh)</th><th>Price (/kWh)</th><th>Amount</th><th>Settlement</th></tr></thead><tbody></tbody></table></div>
<p class="mono" id="updated"></p>
<script src="/dashboard.js"></script>
</body>
</html>
`

export const DASHBOARD_JS = `'use strict'
const $ = (id) => document.getElementById(id)
const fmt = (x) => Number(x).toLocaleString('en-US')
// Integer token units in the display unit, exactly (BigInt: amounts can exceed 2^53): 12500000 -> "12.50 gEUR".
function money(x, t) {
  if (!t) return fmt(x)
  let v = BigInt(String(x))
  const neg = v < 0n
  if (neg) v = -v
  const d = 10n ** BigInt(t.decimals)
  let frac = (v % d).toString().padStart(t.decimals, '0').replace(/0+$/, '')
  if (t.decimals >= 2) frac = frac.padEnd(2, '0')
  return (neg ? '-' : '') + (v / d).toLocaleString('en-US') + (frac ? '.' + frac : '') + ' ' + t.symbol
}
const short = (a) => a.slice(0, 8) + '…' + a.slice(-4)
const timeOf = (k, lengthS) => new Date(k * lengthS * 1000).toISOString().slice(11, 16) + ' UTC'

function cell(row, text, cls) {
  const td = document.createElement('td')
  td.textContent = text
  if (cls) td.className = cls
  row.appendChild(td)
}

function fill(tableId, rows, cols) {
  const body = $(tableId).querySelector('tbody')
  body.replaceChildren()
  if (rows.length === 0) {
    const tr = document.createElement('tr')
    cell(tr, 'none yet')
    body.appendChild(tr)
  }
  for (const r of rows) {
    const tr = document.createElement('tr')
    for (const [text, cls] of cols(r)) cell(tr, text, cls)
    body.appendChild(tr)
  }
}

function chart(series, x0, x1) {
  const ys = series.flatMap((s) => s.points.map((p) => p[1]))
  if (ys.length === 0) return ''
  let lo = Math.min(0, ...ys)
  let hi = Math.max(0, ...ys)
  const pad = (hi - lo) * 0.1 || 1
  lo -= lo < 0 ? pad : 0
  hi += pad
  const sx = (x) => 40 + ((x - x0) / Math.max(1, x1 - x0)) * 555
  const sy = (y) => 132 - ((y - lo) / (hi - lo)) * 124
  let out = '<line x1="40" x2="595" y1="' + sy(0) + '" y2="' + sy(0) + '" stroke="#bbb"/>'
  const labels = [lo, hi].filter((v) => Math.abs(sy(v) - sy(0)) > 14).concat([0])
  for (const v of labels) {
    out += '<text x="36" y="' + (sy(v) + 4) + '" font-size="10" text-anchor="end" fill="#4a5868">' + fmt(Math.round(v)) + '</text>'
  }
  for (const s of series) {
    if (s.points.length === 0) continue
    const d = s.points.map(([x, y], i) => (i ? 'L' : 'M') + sx(x).toFixed(1) + ' ' + sy(y).toFixed(1)).join(' ')
    out += '<path d="' + d + '" fill="none" stroke="' + s.color + '" stroke-width="2"' + (s.dash ? ' stroke-dasharray="6 4"' : '') + '/>'
    if (s.dots) for (const [x, y] of s.points) out += '<circle cx="' + sx(x).toFixed(1) + '" cy="' + sy(y).toFixed(1) + '" r="3" fill="' + s.color + '"/>'
  }
  return out
}

function render(s) {
  const h = $('health')
  h.textContent = s.status
  h.className = 'badge ' + s.status
  $('account').textContent = s.account
  const last = s.meter.last
  $('power').textContent = last ? fmt(Math.abs(last.powerW)) + ' W ' + (last.powerW >= 0 ? 'import' : 'export') : 'no reading'
  $('power-note').textContent = s.meter.fresh ? 'meter ok, read ' + Math.round((s.now - last.ts) / 1000) + ' s ago'
    : 'meter ' + (s.meter.error || 'stale') + ': not offering energy'
  $('earnings').textContent = money(s.earnings, s.token)
  $('earnings-note').textContent = (s.token ? s.token.symbol : 'token units') + ', net of purchases'
  $('peers').textContent = s.peers
  $('next').textContent = timeOf(s.interval.nextOpen, s.interval.lengthS)
  $('closes').textContent = Math.max(0, Math.round((s.interval.closesAtMs - s.now) / 1000)) + ' s'
  $('checks').replaceChildren(...Object.entries(s.checks).map(([k, v]) => {
    const li = document.createElement('li')
    li.textContent = k + ': ' + v
    li.style.color = v === 'ok' ? '#2e8b57' : '#c0392b'
    return li
  }))
  $('settlement').textContent = 'settlement queue: ' + s.settlement.pending + ' pending'
  const p = s.power
  if (p.length) $('power-chart').innerHTML = chart([{ points: p, color: '#2a6fb0' }], p[0][0], p[p.length - 1][0])
  const iv = s.intervals
  if (iv.length) {
    const f = iv.filter((x) => x.forecastNetWh !== null).map((x) => [x.interval, x.forecastNetWh])
    const m = iv.filter((x) => x.measuredNetWh !== null).map((x) => [x.interval, x.measuredNetWh])
    $('forecast-chart').innerHTML = chart([
      { points: f, color: '#d98c00', dash: true },
      { points: m, color: '#2a6fb0', dots: true },
    ], iv[0].interval, iv[iv.length - 1].interval)
  }
  const L = s.interval.lengthS
  fill('orders', s.orders, (o) => [[timeOf(o.interval, L)], [o.side, o.side], [fmt(o.quantityWh)], [money(o.limitPrice, s.token)],
    [fmt(o.filledWh)], [o.state + (o.settlement ? ' / ' + o.settlement : '')]])
  fill('trades', s.trades, (t) => [[timeOf(t.interval, L)], [t.side, t.side], [short(t.counterparty)], [fmt(t.quantityWh)],
    [money(t.price, s.token)], [money(t.amount, s.token)], [t.status]])
  $('updated').textContent = 'updated ' + new Date().toLocaleTimeString()
}

async function refresh() {
  try {
    const res = await fetch('/api/status', { cache: 'no-store' })
    render(await res.json())
  } catch (err) {
    $('health').textContent = 'unreachable'
    $('health').className = 'badge down'
  }
}
refresh()
setInterval(refresh, 2000)
`
