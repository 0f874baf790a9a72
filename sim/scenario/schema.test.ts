import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { GridletError } from '../../src/core/errors.js'
import { householdChoice, intervalCount, loadScenario, parseScenario } from './schema.js'

const dir = join(import.meta.dirname, '..', 'scenarios')

describe('scenario schema', () => {
  it('accepts every shipped scenario', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'))
    expect(files.length).toBeGreaterThanOrEqual(4)
    for (const f of files) expect(loadScenario(join(dir, f)).name).toMatch(/^[a-z0-9]/)
    expect(intervalCount(loadScenario(join(dir, 'year-300.yaml'))) * 300).toBe(5_256_000)
  })

  it('names the offending field', () => {
    const bad = {
      name: 'x',
      seed: 1,
      period: { start: '2013-01-14T14:10:00Z', days: 1 },
      tariff: { retail: 1, feedIn: 1 },
      households: { count: 4 },
    }
    expect(() => parseScenario(bad)).toThrowError(GridletError)
    try {
      parseScenario(bad)
    } catch (e) {
      expect((e as GridletError).code).toBe('SIM_SCENARIO')
      expect((e as GridletError).field).toBe('period.start')
    }
    try {
      parseScenario({
        ...bad,
        period: { start: '2013-01-14T14:00:00Z', days: 1 },
        faults: [{ kind: 'offline', households: [9], fromInterval: 0, toInterval: 1 }],
      })
    } catch (e) {
      expect((e as GridletError).field).toBe('faults.0.households')
    }
  })

  it('gives households the core model and strategy of their group, the defaults otherwise', () => {
    const s = parseScenario({
      name: 'x',
      seed: 1,
      period: { start: '2013-01-14T14:00:00Z', days: 1 },
      tariff: { retail: 2, feedIn: 1 },
      households: {
        count: 4,
        forecast: 'recent-mean',
        groups: [
          { households: [1, 2], forecast: 'empirical-profile', strategy: { name: 'forecast-aware' } },
          { households: [2], forecast: 'perfect' },
        ],
      },
    })
    expect(householdChoice(s, 0)).toEqual({ forecast: 'recent-mean', strategy: { name: 'truthful' } })
    expect(householdChoice(s, 1)).toEqual({ forecast: 'empirical-profile', strategy: { name: 'forecast-aware' } })
    expect(householdChoice(s, 2)).toEqual({ forecast: 'perfect', strategy: { name: 'forecast-aware' } })
    const bad = { ...s, households: { count: 4, forecast: 'weekly-mean' } }
    expect(() => parseScenario(bad)).toThrowError(/households.forecast/)
    const far = { ...s, households: { count: 4, groups: [{ households: [4], strategy: { name: 'zi' } }] } }
    expect(() => parseScenario(far)).toThrowError(/households.groups.0.households/)
  })
})
