import { describe, expect, it } from 'vitest'
import { runCommunity, savingsShare } from '../../bench/strategyCommunity.js'
import { rollingOrigin, summarize } from '../../src/core/forecast/rollingOrigin.js'
import { loadSgsc } from '../../src/data/loadSgsc.js'

const H = 3_600_000

describe('on the real SGSC data (a few households)', () => {
  it('the empirical profile and quantile regression beat seasonal naive day-ahead', () => {
    const only = new Set(['10006414', '10006630', '10017466'])
    const series = loadSgsc(undefined, only).households.map((h) => ({
      id: h.id,
      startMs: h.general.startMs,
      wh: h.general.wh,
    }))
    const rows = summarize(
      rollingOrigin(series, {
        models: ['seasonal-naive', 'empirical-profile', 'quantile-regression'],
        originOfDayMs: 14 * H,
        warmupDays: 28,
        testDays: 14,
        utcOffsetMs: 10 * H,
      }),
      'seasonal-naive',
    )
    for (const r of rows.slice(1)) {
      expect(r.mase).toBeLessThan(0.85)
      expect(r.coverageP90).toBeGreaterThan(0.8)
    }
  })

  it('a small community saves against the grid and perfect foresight saves most', () => {
    const report = runCommunity({
      startMs: Date.UTC(2013, 8, 1) - 10 * H,
      days: 3,
      warmupDays: 28,
      model: 'empirical-profile',
      cadence: 'day-ahead',
      maxHomes: 8,
    })
    expect(report.perfect.cost).toBeLessThan(report.gridOnly.cost)
    for (const o of report.outcomes) {
      expect(o.cost).toBeLessThan(report.gridOnly.cost)
      expect(savingsShare(report, o)).toBeLessThanOrEqual(1)
    }
  })
})
