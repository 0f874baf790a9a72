import { describe, expect, it } from 'vitest'
import { GridletError } from '../../src/core/errors.js'
import { clearCommunity } from '../fast/run.js'
import { assembleCommunity } from '../households/assemble.js'
import { realDataSource } from '../households/sources.js'
import { loadScenario, parseScenario, type ScenarioInput } from '../scenario/schema.js'
import { attachGrid } from './attachGrid.js'
import { scenarioNetwork } from './scenarioNetwork.js'

const scenario = (network: ScenarioInput['network']): ScenarioInput => ({
  name: 'grid-test',
  seed: 5,
  period: { start: '2013-01-14T14:00:00Z', days: 1 },
  tariff: { retail: 250000, feedIn: 70000 },
  households: { count: 12, pv: { share: 0.5, kWp: { min: 5, max: 8 } } },
  network,
})

describe('the network: section of a scenario', () => {
  it('parses counts or a file, with defaults, and names a bad field', () => {
    const s = parseScenario(scenario({ feeders: 3 }))
    expect(s.network).toMatchObject({ feeders: 3, segmentM: 30, voltageBand: { min: 0.9, max: 1.1 }, powerFactor: 1 })
    expect(parseScenario(scenario({ file: 'cigre-lv-residential.json' })).network?.file).toBe(
      'cigre-lv-residential.json',
    )
    expect(parseScenario(scenario(undefined)).network).toBeUndefined()
    const fieldOf = (network: unknown) => {
      try {
        parseScenario(scenario(network as ScenarioInput['network']))
      } catch (e) {
        return (e as GridletError).field
      }
    }
    expect(fieldOf({ file: 'x.json', feeders: 3 })).toBe('network.feeders')
    expect(fieldOf({})).toBe('network.feeders')
    expect(fieldOf({ feeders: 13 })).toBe('network.feeders')
    expect(fieldOf({ feeders: 2, voltageBand: { min: 1.01, max: 1.1 } })).toBe('network.voltageBand')
    expect(fieldOf({ feeders: 2, cable: { rOhmPerKm: 0, xOhmPerKm: 0.1, ampacityA: 100 } })).toBe(
      'network.cable.rOhmPerKm',
    )
    expect(loadScenario(`${import.meta.dirname}/../scenarios/grid-3feeders.yaml`).network?.feeders).toBe(3)
  })

  it('puts household h of a file network at the bus of the file household h mod L; an unknown file is named', () => {
    const s = parseScenario(scenario({ file: 'cigre-lv-residential.json' }))
    const c = scenarioNetwork(s.network!, 12)
    expect(c.network.households.map((h) => h.bus)).toEqual([
      ...['R11', 'R15', 'R16', 'R17', 'R18', 'R11', 'R15', 'R16', 'R17', 'R18', 'R11', 'R15'],
    ])
    const bad = parseScenario(scenario({ file: 'nope.json' }))
    expect(() => scenarioNetwork(bad.network!, 12)).toThrow(GridletError)
  })

  it('runs every interval through the power flow; grid only and with market agree while the meters are the same', async () => {
    const s = parseScenario(scenario({ feeders: 2, voltageBand: { min: 0.95, max: 1.05 } }))
    const c = assembleCommunity(s, realDataSource())
    const o = await clearCommunity(s, c)
    const g = o.grid!
    expect(g.sameInjections).toBe(true)
    expect(g.withMarket).toEqual(g.gridOnly)
    expect(g.detail.minVm).toHaveLength(c.T)
    expect(g.gridOnly.lossesKwh).toBeGreaterThan(0)
    expect(g.gridOnly.notConverged).toBe(0)
    // Half the homes have 5-8 kWp: at noon the far ends rise above nominal, in the evening they sag below.
    expect(g.gridOnly.maxVoltagePu).toBeGreaterThan(1)
    expect(g.gridOnly.minVoltagePu).toBeLessThan(1)
    expect(Math.max(...g.detail.lineMaxLoadingPct)).toBeCloseTo(g.gridOnly.maxCableLoadingPct, 4)

    // A run that leaves every meter at zero: no current, no losses, every bus at the tap voltage.
    const idle = attachGrid(s, c, { ...o, deliveredWh: new Int32Array(c.n * c.T) }).grid!
    expect(idle.sameInjections).toBe(false)
    expect(idle.gridOnly).toEqual(g.gridOnly)
    expect(idle.withMarket.lossesKwh).toBe(0)
    expect(idle.withMarket.minVoltagePu).toBe(1)
    expect(idle.withMarket.maxTransformerLoadingPct).toBe(0)
  }, 60_000)
})
