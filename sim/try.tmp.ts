import { runFast } from './fast/run.js'
import { loadScenario } from './scenario/schema.js'
import { settle } from './settle.js'

const s = loadScenario(process.argv[2] ?? 'sim/scenarios/default.yaml')
const t = performance.now()
const { community, outcome } = await runFast(s, { workers: process.argv[3] ? Number(process.argv[3]) : undefined })
const { kpis } = settle(s.name, community, outcome)
console.log(
  JSON.stringify(kpis, null, 1),
  ((performance.now() - t) / 1000).toFixed(2),
  's',
  process.memoryUsage().rss / 1e6,
)
