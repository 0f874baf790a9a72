import type { Command } from 'commander'
import { compareRules, runScenario, type SimMode } from '../../sim/run.js'
import { loadScenario, type Rule, rules } from '../../sim/scenario/schema.js'
import { formatCompare, formatKpis, progressBar } from '../../sim/terminal.js'
import { GridletError } from '../core/errors.js'

/**
 * `gridlet sim run <scenario>` runs a scenario (fast mode by default, `--mode network` for real nodes) and writes
 * its results directory; `gridlet sim compare <scenario>` clears it under each market rule and prints a table.
 */
export function registerSimCommands(program: Command): void {
  const sim = program.command('sim').description('simulate a neighbourhood from real meter data')
  sim
    .command('run')
    .argument('<scenario>', 'scenario file (.yaml or .json), e.g. sim/scenarios/default.yaml')
    .option('-m, --mode <mode>', 'fast (pure core, one process) or network (real nodes)', 'fast')
    .option('-o, --out <dir>', 'results directory (default results/<scenario>-<mode>-<time>)')
    .option('-w, --workers <n>', 'fast mode: worker threads (default: by size, at most 2)')
    .option('--json', 'print the KPI summary as JSON')
    .action(async (file: string, o: { mode: string; out?: string; workers?: string; json?: boolean }) => {
      if (o.mode !== 'fast' && o.mode !== 'network') {
        throw new GridletError('mode must be fast or network', { code: 'CLI_FLAG', field: 'mode', details: o.mode })
      }
      const s = loadScenario(file)
      const bar = progressBar(`${s.name} (${o.mode})`)
      const r = await runScenario(s, {
        mode: o.mode as SimMode,
        ...(o.out ? { outDir: o.out } : {}),
        ...(o.workers ? { workers: parseWorkers(o.workers) } : {}),
        onProgress: bar.update,
      }).finally(() => bar.stop())
      if (o.json) console.log(JSON.stringify(r.kpis))
      else console.log(`\n${formatKpis(r.kpis)}\n\n  results: ${r.dir}\n  report:  ${r.reportPath}`)
    })
  sim
    .command('compare')
    .argument('<scenario>', 'scenario file')
    .option('-r, --rules <list>', `comma-separated rules (default: the scenario's compare list; ${rules.join(', ')})`)
    .option('--json', 'print one JSON KPI object per rule')
    .action(async (file: string, o: { rules?: string; json?: boolean }) => {
      const s = loadScenario(file)
      const list = o.rules ? parseRules(o.rules) : s.compare
      const rows = await compareRules(s, list)
      if (o.json) for (const r of rows) console.log(JSON.stringify(r.kpis))
      else console.log(formatCompare(rows))
    })
}

function parseWorkers(v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new GridletError('workers must be an integer 1..64', { code: 'CLI_FLAG', field: 'workers', details: v })
  }
  return n
}

function parseRules(v: string): Rule[] {
  return v.split(',').map((r) => {
    if (!(rules as readonly string[]).includes(r)) {
      throw new GridletError(`unknown rule ${r}`, { code: 'CLI_FLAG', field: 'rules', details: rules.join(', ') })
    }
    return r as Rule
  })
}
