import { parseScenario, type Scenario, type ScenarioInput } from '../scenario/schema.js'

/**
 * A short grid scenario for the grid tests: the households and network given, a flat tariff (retail 250,000,
 * feed-in 70,000 per kWh), `days` from `start`. One place for the setup the grid-market tests share.
 *
 * @example
 * const s = gridTestScenario({ name: 't', seed: 1, start: '2013-01-14T14:00:00Z', days: 1, households, network })
 */
export function gridTestScenario(o: {
  readonly name: string
  readonly seed: number
  readonly start: string
  readonly days: number
  readonly households: ScenarioInput['households']
  readonly network: NonNullable<ScenarioInput['network']>
}): Scenario {
  return parseScenario({
    name: o.name,
    seed: o.seed,
    period: { start: o.start, days: o.days },
    tariff: { retail: 250000, feedIn: 70000 },
    households: o.households,
    network: o.network,
  })
}
