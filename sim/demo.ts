/**
 * `npm start`: the one-command demonstration. Runs the default scenario (about 20 households, one simulated day at
 * 30-minute intervals) in network mode — a local anvil chain, a Modbus meter simulator per household replaying its
 * data, a libp2p market node per household on loopback, an accelerated clock — then prints the KPI table and where
 * the HTML report is. Everything it starts, it stops.
 *
 *   npm start                 # network mode
 *   npm start -- --fast       # the same scenario in fast mode (pure core, a second or two)
 *   npm start -- <scenario>   # another scenario file
 */
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { runScenario } from './run.js'
import { loadScenario } from './scenario/schema.js'
import { formatKpis, progressBar } from './terminal.js'

const args = process.argv.slice(2)
const mode = args.includes('--fast') ? 'fast' : 'network'
const file = args.find((a) => !a.startsWith('--')) ?? join(import.meta.dirname, 'scenarios', 'default.yaml')
const s = loadScenario(file)
console.log(`gridlet demo: ${s.description || s.name}`)
console.log(
  `mode: ${mode}${mode === 'network' ? ' (anvil chain, Modbus meter simulators, libp2p nodes on loopback)' : ''}\n`,
)
const started = performance.now()
const bar = progressBar('intervals')
try {
  const r = await runScenario(s, { mode, onProgress: bar.update })
  bar.stop()
  console.log(`\n${formatKpis(r.kpis)}\n`)
  console.log(`  results directory: ${r.dir}`)
  console.log(`  HTML report:       ${pathToFileURL(r.reportPath).href}`)
  console.log(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s`)
} catch (err) {
  bar.stop()
  console.error(err)
  process.exitCode = 1
}
