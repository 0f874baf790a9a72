import cliProgress from 'cli-progress'
import { kpiRows } from './report/html.js'
import type { CompareRow } from './run.js'
import type { Kpis } from './settle.js'

/**
 * A terminal progress bar on stderr (drawn only on a TTY). Returns the `onProgress` callback and a `stop`.
 *
 * @example
 * const bar = progressBar('intervals'); await runScenario(s, { onProgress: bar.update }); bar.stop()
 */
export function progressBar(label: string) {
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted}`,
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  return {
    update(done: number, total: number) {
      if (!started) {
        bar.start(total, 0)
        started = true
      }
      bar.setTotal(total)
      bar.update(done)
    },
    stop() {
      if (started) bar.stop()
    },
  }
}

/** The KPI table as aligned text. */
export function formatKpis(k: Kpis): string {
  const rows = kpiRows(k)
  const w = Math.max(...rows.map(([a]) => a.length))
  return rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`).join('\n')
}

/** The `sim compare` table. */
export function formatCompare(rows: readonly CompareRow[]): string {
  const head = ['rule', 'cost', 'savings %', 'efficiency %', 'traded kWh', 'trades', 'mean price', 'run root']
  const body = rows.map(({ rule, kpis: k }) => [
    rule,
    Math.round(k.communityCost).toLocaleString('en-US'),
    k.savingsPct.toFixed(2),
    (k.marketEfficiency * 100).toFixed(1),
    k.tradedKwh.toFixed(1),
    String(k.trades),
    Math.round(k.price.volumeWeighted).toLocaleString('en-US'),
    `${k.runRoot.slice(0, 10)}…`,
  ])
  const all = [head, ...body]
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] as string).length)))
  return all.map((r) => r.map((c, i) => c.padEnd(widths[i] as number)).join('  ')).join('\n')
}
