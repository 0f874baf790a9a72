import { dailySessions, FlexibleLoads, type FlexSession, type Tariff } from '../../src/core/strategy/index.js'
import { type Community, WARMUP_DAYS } from '../households/assemble.js'
import { flexibleSchedule } from '../households/flexible.js'
import type { Scenario } from '../scenario/schema.js'
import type { SiteLimits } from './siteLimits.js'

/**
 * The community's loads with each household's flexible loads (`households.flexible`) placed again against its site
 * envelope, per household `[h * stride + j]` (the community's layout), or undefined when no household has one.
 * Each session of the period is planned, when it starts, by the core's `FlexibleLoads` (`planDeferrable`) with
 * the household's forecast export above its export limit (its asks over its envelope) as the cheap tier at price
 * 0 — energy that would otherwise be curtailed — and the intervals assembly planned it in next (at feed-in), the
 * tariff's order last; the need is still met by its deadline. The assembled schedule is recovered from the
 * community's load by iterating `flexibleSchedule` on `load - schedule` to its fixed point (each day's plan reads
 * only earlier days' base load, so day d is exact after d iterations).
 *
 * @example
 * const load = replanFlexible(s, c, siteLimits(cn, grid, plan, c.T, c.intervalS))
 */
export function replanFlexible(s: Scenario, c: Community, limits: SiteLimits): Int32Array | undefined {
  const spec = s.households.flexible
  if (!c.households.some((hh) => hh.hotWater || hh.ev)) return undefined
  const { stride, warmup, T, intervalS } = c
  const perDay = 86_400 / intervalS
  const firstMidnight = firstLocalMidnight(s, intervalS)
  const load = c.load.slice()
  for (const hh of c.households) {
    if (!hh.hotWater && !hh.ev) continue
    const o = hh.index * stride
    const pv = c.pv.subarray(o, o + stride)
    const before = assembledSchedule(s, c, hh, pv, firstMidnight)
    const sessions: FlexSession[] = []
    const grid = { firstMidnight, perDay, intervalS }
    const need = (l: typeof spec.hotWater) => ({
      energyWh: Math.round(l.kWhPerDay * 1000),
      maxW: Math.round(l.kW * 1000),
      startMinute: minuteOf(l.from),
      dueMinute: minuteOf(l.due),
    })
    if (hh.hotWater) sessions.push(...dailySessions('hot-water', stride, grid, need(spec.hotWater)))
    if (hh.ev) sessions.push(...dailySessions('ev', stride, grid, need(spec.ev)))
    const excess = new Int32Array(stride)
    const tariffs: Tariff[] = []
    for (let j = 0; j < stride; j++) {
      const k = Math.max(0, j - warmup)
      const i = hh.index * T + k
      if (j >= warmup) excess[j] = Math.max(0, limits.forecastExportWh[i]! - limits.exportWh[i]!)
      const retail = BigInt(before[j]! > 0 ? c.feedIn[k]! : c.retail[k]!)
      tariffs.push({ retailPrice: retail, feedInPrice: 0n })
    }
    const flex = new FlexibleLoads(sessions, {
      length: stride,
      plan: 'flexible',
      from: warmup,
      stagger: hh.flexStagger,
    })
    const zero = new Int32Array(stride)
    for (let j = warmup; j < stride; j++) {
      const reach = flex.reach(j, 1)
      if (reach > 0)
        flex.plan(j, 1, { load: zero.subarray(j, j + reach), pv: excess.subarray(j, j + reach) }, tariffs.slice(j))
    }
    for (let j = 0; j < stride; j++) load[o + j] = load[o + j]! - before[j]! + flex.scheduled[j]!
  }
  return load
}

/** The flexible schedule assembly added to household `hh`'s load, recovered as the fixed point described above. */
export function assembledSchedule(
  s: Scenario,
  c: Community,
  hh: Community['households'][number],
  pv: Int32Array,
  firstMidnight: number,
): Int32Array {
  const o = hh.index * c.stride
  const total = c.load.subarray(o, o + c.stride)
  // Prices of the warm-up are never read (its sessions run at once): the period's first stands in for them.
  const tariffs: Tariff[] = Array.from({ length: c.stride }, (_, j) => {
    const k = Math.max(0, j - c.warmup)
    return { retailPrice: BigInt(c.retail[k]!), feedInPrice: BigInt(c.feedIn[k]!) }
  })
  let schedule: Int32Array = new Int32Array(c.stride)
  const base = new Int32Array(c.stride)
  for (let it = 0; it <= c.stride / (86_400 / c.intervalS) + 1; it++) {
    for (let j = 0; j < c.stride; j++) base[j] = total[j]! - schedule[j]!
    const next =
      flexibleSchedule(
        s.households.flexible,
        hh,
        { load: base, pv, tariffs, firstMidnight, warmup: c.warmup },
        c.intervalS,
      ) ?? new Int32Array(c.stride)
    if (next.every((x, j) => x === schedule[j])) break
    schedule = next
  }
  return schedule
}

/** Series index of the first interval that starts a local day (as assembly computes it). */
function firstLocalMidnight(s: Scenario, intervalS: number): number {
  const startMs = Date.parse(s.period.start) - WARMUP_DAYS * 86_400_000
  const intoDay = (((startMs / 1000 + s.tariff.utcOffsetHours * 3600) % 86_400) + 86_400) % 86_400
  return intoDay === 0 ? 0 : Math.ceil((86_400 - intoDay) / intervalS)
}

const minuteOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))
