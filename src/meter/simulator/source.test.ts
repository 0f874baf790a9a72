import { describe, expect, it } from 'vitest'
import { householdTrace, syntheticSource, traceSource } from './source.js'

describe('simulator sources', () => {
  it('trace counters equal initial + the interval sums at boundaries, linear inside an interval', () => {
    const s = traceSource({
      startMs: 1000,
      intervalMs: 1000,
      importWh: [10, 20],
      exportWh: [0, 5],
      initialImportWh: 100,
    })
    expect(s.at(0)).toMatchObject({ importWh: 100, exportWh: 0 })
    expect(s.at(1500)).toMatchObject({ importWh: 105, activePowerW: 36_000 })
    expect(s.at(2000)).toMatchObject({ importWh: 110, exportWh: 0 })
    expect(s.at(3000)).toMatchObject({ importWh: 130, exportWh: 5 }) // looped: start of the second cycle
    expect(s.at(5000)).toMatchObject({ importWh: 160, exportWh: 10 })
    const once = traceSource({ startMs: 0, intervalMs: 1000, importWh: [10], exportWh: [0], loop: false })
    expect(once.at(5000)).toMatchObject({ importWh: 1_000_010, activePowerW: 0 })
  })

  it('a household nets consumption against PV per interval', () => {
    const s = householdTrace({ startMs: 0, intervalMs: 1000, consumptionWh: [5, 5], pvWh: [2, 9], initialImportWh: 0 })
    expect(s.at(2000)).toMatchObject({ importWh: 3, exportWh: 4, pvWh: 11 })
    expect(s.hasPv).toBe(true)
  })

  it('rejects bad traces with the field named', () => {
    expect(() => traceSource({ startMs: 0, intervalMs: 1000, importWh: [1, -1], exportWh: [0, 0] })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'importWh[1]' }),
    )
    expect(() => traceSource({ startMs: 0, intervalMs: 1000, importWh: [1], exportWh: [] })).toThrow(
      expect.objectContaining({ field: 'exportWh' }),
    )
  })

  it('the synthetic day is deterministic and its counters never decrease', () => {
    const s = syntheticSource({ startMs: Date.UTC(2024, 0, 1, 9), pvPeakW: 4000 })
    let last = s.at(0)
    for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2024, 0, 3); t += 600_000) {
      const now = s.at(t)
      expect(now.importWh).toBeGreaterThanOrEqual(last.importWh)
      expect(now.exportWh).toBeGreaterThanOrEqual(last.exportWh)
      last = now
    }
    expect(s.at(Date.UTC(2024, 0, 1, 12)).pvPowerW).toBeGreaterThan(3900)
  })
})
