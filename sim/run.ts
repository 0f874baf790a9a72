import { join } from 'node:path'
import { clearCommunity, type FastRunOptions } from './fast/run.js'
import { assembleCommunity, type Community } from './households/assemble.js'
import { type HouseholdDataSource, realDataSource } from './households/sources.js'
import type { MarketOutcome } from './outcome.js'
import { writeResults } from './report/write.js'
import type { Rule, Scenario } from './scenario/schema.js'
import { type Bill, type Kpis, settle } from './settle.js'

export type SimMode = 'fast' | 'network'

export interface RunOptions {
  readonly mode?: SimMode
  /** Results directory; default `results/<scenario>-<mode>-<UTC time>`. */
  readonly outDir?: string
  readonly data?: HouseholdDataSource
  readonly workers?: number
  readonly onProgress?: (done: number, total: number) => void
}

export interface RunReport {
  readonly community: Community
  readonly outcome: MarketOutcome
  readonly bills: Bill[]
  readonly kpis: Kpis
  readonly dir: string
  readonly reportPath: string
}

/**
 * Runs a scenario in either mode and writes its results directory.
 *
 * @example
 * const r = await runScenario(loadScenario('sim/scenarios/default.yaml'), { mode: 'fast' })
 * console.log(r.kpis.savingsPct, r.reportPath)
 */
export async function runScenario(s: Scenario, opts: RunOptions = {}): Promise<RunReport> {
  const mode = opts.mode ?? 'fast'
  const community = assembleCommunity(s, opts.data ?? realDataSource())
  const outcome =
    mode === 'fast'
      ? await clearCommunity(s, community, opts as FastRunOptions)
      : await (await import('./network/run.js')).runNetwork(s, community, opts)
  const { bills, kpis } = settle(s.name, community, outcome)
  const dir = opts.outDir ?? defaultResultsDir(s.name, mode)
  const reportPath = await writeResults(dir, s, community, outcome, bills, kpis)
  return { community, outcome, bills, kpis, dir, reportPath }
}

/** `results/<name>-<mode>-<yyyymmdd-hhmmss>` under the working directory. */
export function defaultResultsDir(name: string, mode: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
  return join('results', `${name}-${mode}-${stamp}`)
}

/** One row of `gridlet sim compare`. */
export interface CompareRow {
  readonly rule: Rule
  readonly kpis: Kpis
}

/** Clears the same neighbourhood and orders under each rule (fast mode). */
export async function compareRules(
  s: Scenario,
  rules: readonly Rule[] = s.compare,
  opts: Omit<RunOptions, 'mode' | 'outDir'> = {},
): Promise<CompareRow[]> {
  const community = assembleCommunity(s, opts.data ?? realDataSource())
  const rows: CompareRow[] = []
  for (const rule of rules) {
    const outcome = await clearCommunity(s, community, { ...opts, rule })
    rows.push({ rule, kpis: settle(s.name, community, outcome).kpis })
  }
  return rows
}
