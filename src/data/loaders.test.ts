import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { loadPv } from './loadPv.js'
import { loadSgsc } from './loadSgsc.js'
import { BUNDLED_DATA_DIR, defaultDataDir } from './series.js'
import { sydneyLocalToUtc, sydneyOffsetMs } from './sydneyTime.js'

const H = 3_600_000

describe('Sydney time', () => {
  it('knows the 2011-12 daylight saving changes', () => {
    expect(sydneyOffsetMs(Date.UTC(2011, 6, 1))).toBe(10 * H)
    expect(sydneyOffsetMs(Date.UTC(2012, 0, 1))).toBe(11 * H)
    // DST starts 2011-10-02 02:00 AEST = 2011-10-01 16:00 UTC
    expect(sydneyOffsetMs(Date.UTC(2011, 9, 1, 15, 59))).toBe(10 * H)
    expect(sydneyOffsetMs(Date.UTC(2011, 9, 1, 16))).toBe(11 * H)
    expect(sydneyLocalToUtc(Date.UTC(2011, 9, 2, 2, 30))).toEqual({ kind: 'skipped' })
    expect(sydneyLocalToUtc(Date.UTC(2012, 3, 1, 2, 0))).toEqual({
      kind: 'repeated',
      firstUtcMs: Date.UTC(2012, 2, 31, 15),
      secondUtcMs: Date.UTC(2012, 2, 31, 16),
    })
  })
})

describe('loaders (real data shipped in sim/data)', () => {
  it('loads the PV year on a UTC grid with its quirks handled', () => {
    const { pv, consumption, report } = loadPv()
    expect(report.rows).toBe(17_568)
    // 2 skipped + 2 split rows at the DST changes, 180 isolated 12 Wh readings in the dark
    expect(report.adjusted).toBe(184)
    expect(report.missingSlots).toBe(0)
    expect(pv.startMs).toBe(Date.UTC(2011, 5, 30, 14))
    const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0)
    expect(sum(pv.wh)).toBe(2_592_808 - 180 * 12)
    // the doubled fall-back rows were split, not duplicated: consumption total is unchanged
    expect(sum(consumption.wh)).toBeGreaterThan(0)
    // no PV at 03:00 local in winter (17:00 UTC)
    expect(pv.wh[(Date.UTC(2011, 6, 10, 17) - pv.startMs) / 1_800_000]).toBe(0)
  })

  it('loads SGSC households onto gap-marked grids', () => {
    const only = new Set(['10006414', '10012584'])
    const { households, report } = loadSgsc(undefined, only)
    expect(households.map((h) => h.id)).toEqual(['10006414', '10012584'])
    expect(report.duplicates).toBe(0)
    expect(report.offGrid).toBe(0)
    const h = households[0]!
    expect(h.general.startMs).toBe(Date.parse('2012-02-10T08:00:00Z'))
    expect(h.general.wh[0]).toBe(141)
    expect(h.general.wh.length).toBe(h.controlled.wh.length)
    expect(h.general.wh.some(Number.isNaN)).toBe(true)
  })
})

describe('where the data is read from', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
  })
  const PV = 'ausgrid-solar-home-customer12/customer12_halfhourly_2011-2012.csv'

  it('defaults to the copy in sim/data, whatever the working directory', () => {
    expect(defaultDataDir({})).toBe(join(import.meta.dirname, '..', '..', 'sim', 'data') + '/')
    expect(BUNDLED_DATA_DIR).toBe(defaultDataDir({}))
  })

  it('reads GRIDLET_DATA instead when set, plain CSV as well as .gz', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridlet-data-'))
    try {
      // the first two days only, uncompressed: a different file from the shipped one
      const text = gunzipSync(readFileSync(join(BUNDLED_DATA_DIR, `${PV}.gz`))).toString('utf8')
      mkdirSync(join(dir, 'ausgrid-solar-home-customer12'))
      writeFileSync(join(dir, PV), `${text.split('\n').slice(0, 97).join('\n')}\n`)
      vi.stubEnv('GRIDLET_DATA', dir)
      expect(defaultDataDir()).toBe(dir)
      expect(loadPv().report.rows).toBe(96)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('stops with SIM_DATA_MISSING naming GRIDLET_DATA when it points nowhere', () => {
    vi.stubEnv('GRIDLET_DATA', join(tmpdir(), 'gridlet-no-such-data'))
    for (const load of [() => loadPv(), () => loadSgsc()]) {
      expect(load).toThrow(expect.objectContaining({ code: 'SIM_DATA_MISSING', field: 'GRIDLET_DATA' }))
    }
  })
})
