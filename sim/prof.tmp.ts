import { clearCommunity } from './fast/run.js'
import { assembleCommunity } from './households/assemble.js'
import { sharedDataSource } from './households/sources.js'
import { loadScenario } from './scenario/schema.js'

const s = loadScenario('sim/scenarios/year-300.yaml')
s.period.days = Number(process.argv[2] ?? 60)
const d = sharedDataSource()
d.loads()
d.pvShape()
const c = assembleCommunity(s, d)
const t = performance.now()
await clearCommunity(s, c, { workers: 1 })
console.log('clear (1 worker)', (performance.now() - t) | 0)
