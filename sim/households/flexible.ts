import {
  type DailyNeed,
  dailySessions,
  FlexibleLoads,
  type FlexSession,
  type Tariff,
} from '../../src/core/strategy/index.js'
import type { Scenario } from '../scenario/schema.js'

type FlexibleSpec = Scenario['households']['flexible']

/** What a simulated household's flexible loads need to know of its series (household-major, from the warm-up). */
export interface FlexibleSeries {
  /** Load and PV per interval of the series, Wh; the load without any flexible load. */
  readonly load: Int32Array
  readonly pv: Int32Array
  /** Grid prices per interval of the series. */
  readonly tariffs: readonly Tariff[]
  /** Series index of the first interval that starts a local day, and of the period's first interval. */
  readonly firstMidnight: number
  readonly warmup: number
}

/**
 * The schedule of a household's flexible loads (Wh per interval of the series), by the core's `FlexibleLoads`:
 * with `plan: flexible` each session is planned when it starts on a persistence forecast (the same interval a day
 * earlier, the only past a household has of its own load and PV at that time) and the tariff, so the need moves
 * into the household's PV surplus and the cheap bands. Sessions that start in the warm-up run at full power.
 */
export function flexibleSchedule(
  spec: FlexibleSpec,
  has: { readonly hotWater: boolean; readonly ev: boolean; readonly flexStagger: number },
  series: FlexibleSeries,
  intervalS: number,
): Int32Array | undefined {
  const perDay = 86_400 / intervalS
  const grid = { firstMidnight: series.firstMidnight, perDay, intervalS }
  const length = series.load.length
  const sessions: FlexSession[] = []
  if (has.hotWater) sessions.push(...dailySessions('hot-water', length, grid, need(spec.hotWater)))
  if (has.ev) sessions.push(...dailySessions('ev', length, grid, need(spec.ev)))
  if (sessions.length === 0) return undefined
  const flex = new FlexibleLoads(sessions, { length, plan: spec.plan, from: series.warmup, stagger: has.flexStagger })
  for (let slot = series.warmup; slot < length; slot++) {
    const reach = flex.reach(slot, 1)
    if (reach === 0) continue
    const past = slot - perDay
    flex.plan(
      slot,
      1,
      { load: series.load.subarray(past, past + reach), pv: series.pv.subarray(past, past + reach) },
      series.tariffs.slice(slot, slot + reach),
    )
  }
  return flex.scheduled
}

function need(load: FlexibleSpec['hotWater']): DailyNeed {
  return {
    energyWh: Math.round(load.kWhPerDay * 1000),
    maxW: Math.round(load.kW * 1000),
    startMinute: minuteOf(load.from),
    dueMinute: minuteOf(load.due),
  }
}

const minuteOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))
