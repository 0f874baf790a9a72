import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compareRules, runScenario } from './run.js'
import { parseScenario } from './scenario/schema.js'

const s = parseScenario({
  name: 'run-test',
  seed: 4,
  period: { start: '2013-01-14T14:00:00Z', days: 1 },
  tariff: { retail: 280000, feedIn: 70000 },
  households: { count: 12, pv: { share: 0.5 } },
})

describe('runScenario and compareRules', () => {
  it('writes the results directory with consistent CSVs and KPIs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridlet-run-'))
    try {
      const r = await runScenario(s, { outDir: dir })
      for (const f of ['intervals.csv', 'trades.csv', 'bills.csv', 'kpi.json', 'scenario.json', 'report.html']) {
        expect(existsSync(join(dir, f)), f).toBe(true)
      }
      const kpi = JSON.parse(readFileSync(join(dir, 'kpi.json'), 'utf8'))
      expect(kpi.runRoot).toBe(r.kpis.runRoot)
      const trades = readFileSync(join(dir, 'trades.csv'), 'utf8').trim().split('\n')
      expect(trades.length - 1).toBe(r.kpis.trades)
      const bills = readFileSync(join(dir, 'bills.csv'), 'utf8').trim().split('\n')
      expect(bills).toHaveLength(1 + 12)
      const intervals = readFileSync(join(dir, 'intervals.csv'), 'utf8').trim().split('\n')
      expect(intervals).toHaveLength(1 + 48)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('clears the same orders under each rule: same grid-only baseline, different results', async () => {
    const rows = await compareRules(s, ['k-da', 'mmr'])
    expect(rows.map((r) => r.rule)).toEqual(['k-da', 'mmr'])
    const [kda, mmr] = rows.map((r) => r.kpis)
    expect(kda?.gridOnlyCost).toBe(mmr?.gridOnlyCost)
    expect(kda?.runRoot).not.toBe(mmr?.runRoot)
    // MMR trades at the mid-market rate whenever it trades.
    expect(mmr?.price.min).toBe(175000)
    expect(mmr?.price.max).toBe(175000)
  })
})
