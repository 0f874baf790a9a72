/**
 * `npm run bench:sim`: fast mode on 300 households x 1 year at 30-minute intervals (targets: <= 60 s, < 2 GB RSS),
 * the same year on a 5-feeder network with grid fees, capacity limits, site envelopes and the power flow on
 * (`fast-grid`, year-300-grid.yaml; target <= 60 s), and network mode on 50 real nodes x 48 intervals (target: 100% agreement, the same run root as fast mode, every
 * interval with trades settled on chain), once on the machine as it is and once (`network-busy`) with one core kept
 * busy by a spinning child process for the whole run. Each case reports the load average during its run.
 * `--json` prints one JSON object per case; `--case fast|fast-grid|network|network-busy` runs one case; `--workers n`
 * sets fast-mode threads; `--days n` shortens the fast cases' period (for profiling; the figures are then not the
 * benchmark's).
 */
import { spawn } from 'node:child_process'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { clearCommunity } from '../sim/fast/run.js'
import { assembleCommunity } from '../sim/households/assemble.js'
import { realDataSource } from '../sim/households/sources.js'
import { loadScenario, parseScenario } from '../sim/scenario/schema.js'
import { settle } from '../sim/settle.js'

const args = process.argv.slice(2)
const json = args.includes('--json')
const only = args.includes('--case') ? args[args.indexOf('--case') + 1] : undefined
const workers = args.includes('--workers') ? Number(args[args.indexOf('--workers') + 1]) : undefined
const days = args.includes('--days') ? Number(args[args.indexOf('--days') + 1]) : undefined
const scenarios = join(import.meta.dirname, '..', 'sim', 'scenarios')

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024)

async function fastCase(file: string, name: string) {
  const base = loadScenario(join(scenarios, file))
  const s = days === undefined ? base : parseScenario({ ...base, period: { ...base.period, days } })
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  const { value, loadAvg, loadAvgMax } = await withLoad(async () => {
    const c = assembleCommunity(s, realDataSource())
    const o = await clearCommunity(s, c, workers ? { workers } : {})
    return { o, kpis: settle(s.name, c, o).kpis }
  })
  const { o, kpis } = value
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const g = o.grid
  return {
    bench: 'sim',
    case: days === undefined ? name : `${name}-${days}d`,
    householdIntervals: kpis.householdIntervals,
    householdIntervalsPerS: Math.round(kpis.householdIntervals / seconds),
    trades: kpis.trades,
    seconds: round2(seconds),
    rssMb: peakRssMb(),
    runRoot: kpis.runRoot,
    // CPU seconds of all threads: on the shared 2-core machine a steadier figure than the wall time.
    cpuSeconds: round2((cpu.user + cpu.system) / 1e6),
    loadAvg,
    loadAvgMax,
    ...(g === undefined
      ? {}
      : {
          gridOnly: g.gridOnly,
          withMarket: g.withMarket,
          envelope: g.envelope ?? {},
        }),
  }
}

/** Samples the 1-minute load average every 5 s while `run` runs; returns its mean and maximum. */
async function withLoad<T>(run: () => Promise<T>): Promise<{ value: T; loadAvg: number; loadAvgMax: number }> {
  const samples = [loadavg()[0]!]
  const timer = setInterval(() => samples.push(loadavg()[0]!), 5000)
  try {
    const value = await run()
    return {
      value,
      loadAvg: round2(samples.reduce((a, b) => a + b, 0) / samples.length),
      loadAvgMax: round2(Math.max(...samples)),
    }
  } finally {
    clearInterval(timer)
  }
}

/** A child process spinning one core at 100% until killed. */
function spinner() {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' })
  return { stop: () => child.kill('SIGKILL') }
}

async function networkCase(busy: boolean) {
  const { runNetwork } = await import('../sim/network/run.js')
  const base = loadScenario(join(scenarios, 'default.yaml'))
  const s = parseScenario({ ...base, name: 'bench-network-50', households: { ...base.households, count: 50 } })
  const c = assembleCommunity(s, realDataSource())
  const t0 = performance.now()
  const spin = busy ? spinner() : undefined
  const { value: o, loadAvg, loadAvgMax } = await withLoad(() => runNetwork(s, c, {})).finally(() => spin?.stop())
  const seconds = (performance.now() - t0) / 1000
  const fast = await clearCommunity(s, c)
  const n = o.network
  return {
    bench: 'sim',
    case: busy ? 'network-50x48-busy' : 'network-50x48',
    nodes: n?.nodes ?? 0,
    intervals: c.T,
    agreement: n?.agreementRate ?? 0,
    settledIntervals: n?.settledIntervals ?? 0,
    intervalsWithTrades: n?.intervalsWithTrades ?? 0,
    disagreements: n?.disagreements ?? {},
    sameAsFast: settle(s.name, c, o).kpis.runRoot === settle(s.name, c, fast).kpis.runRoot,
    gasUsed: n?.gasUsed ?? '0',
    seconds: round2(seconds),
    clockHeldSeconds: round2(n?.clockHeldSeconds ?? 0),
    barriersReleased: n?.barriersReleased ?? 0,
    loadAvg,
    loadAvgMax,
    rssMb: peakRssMb(),
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100

const cases: [string, () => Promise<Record<string, unknown>>][] = [
  ['fast', () => fastCase('year-300.yaml', 'fast-300x1y')],
  ['fast-grid', () => fastCase('year-300-grid.yaml', 'fast-300x1y-grid')],
  ['network', () => networkCase(false)],
  ['network-busy', () => networkCase(true)],
]
for (const [name, run] of cases) {
  if (only && only !== name) continue
  const r = await run()
  if (json) console.log(JSON.stringify(r))
  else {
    console.log(`\n${r.case}`)
    for (const [k, v] of Object.entries(r)) {
      if (k !== 'bench' && k !== 'case')
        console.log(`  ${k.padEnd(24)} ${typeof v === 'object' ? JSON.stringify(v) : v}`)
    }
  }
}
