import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { GridletError } from '../../src/core/errors.js'
import { intervalCount, loadScenario, parseScenario } from './schema.js'

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
})
