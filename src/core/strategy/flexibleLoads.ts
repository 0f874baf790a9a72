import { GridletError } from '../errors.js'
import { type DeferrableNeed, deferrableCosts, planDeferrable } from './planDeferrable.js'
import type { Tariff } from './types.js'

/**
 * One run of a flexible load over a series of intervals: `energyWh` due within `[start, deadline)` (absolute
 * interval indices of the series), at most `maxWh` per interval.
 */
export interface FlexSession {
  readonly kind: 'hot-water' | 'ev'
  readonly start: number
  readonly deadline: number
  readonly energyWh: number
  readonly maxWh: number
}

/**
 * A load that needs `energyWh` every day between `startMinute` and `dueMinute` (local minutes after midnight; the
 * next day when due is not later), at most `maxW`: an EV plugged in on arrival and needed by departure, or a
 * hot-water tank that the off-peak relay switches on at 22:00 and that must have its day's heat by the next 22:00.
 */
export interface DailyNeed {
  readonly energyWh: number
  readonly startMinute: number
  readonly dueMinute: number
  readonly maxW: number
}

/**
 * The daily sessions of a load over a series of intervals (`firstMidnight`: the index of the first interval that
 * starts a local day); `energyWh` each day, less if the window cannot hold it at `maxW`. Sessions that would end
 * past the series are left out.
 *
 * @example
 * dailySessions('ev', len, { firstMidnight: 20, perDay: 48, intervalS: 1800 }, { energyWh: 7000, startMinute: 1050, dueMinute: 450, maxW: 7200 })
 */
export function dailySessions(
  kind: FlexSession['kind'],
  length: number,
  grid: { readonly firstMidnight: number; readonly perDay: number; readonly intervalS: number },
  need: DailyNeed,
): FlexSession[] {
  const maxWh = whPerInterval(need.maxW, grid.intervalS)
  const minutes = grid.intervalS / 60
  for (const f of ['startMinute', 'dueMinute'] as const)
    if (!Number.isInteger(need[f]) || need[f] < 0 || need[f] >= 1440)
      throw new GridletError(`${kind} ${f} must be a minute of the day, got ${need[f]}`, {
        code: 'STRATEGY_FLEX_TIME',
        field: f,
      })
  if (!Number.isSafeInteger(need.energyWh) || need.energyWh < 0)
    throw new GridletError(`${kind} energyWh must be whole Wh >= 0, got ${need.energyWh}`, {
      code: 'STRATEGY_FLEX_ENERGY',
      field: 'energyWh',
    })
  const start = Math.ceil(need.startMinute / minutes)
  let due = Math.floor(need.dueMinute / minutes)
  if (due <= start) due += grid.perDay
  const out: FlexSession[] = []
  for (let s = grid.firstMidnight; s + due <= length; s += grid.perDay) {
    const energyWh = Math.min(need.energyWh, (due - start) * maxWh)
    if (energyWh > 0) out.push({ kind, start: s + start, deadline: s + due, energyWh, maxWh })
  }
  return out
}

/** Charging as soon as plugged in, at full power: how an uncontrolled load runs. Adds the session into `into`. */
export function runImmediately(session: FlexSession, into: Int32Array): void {
  let left = session.energyWh
  for (let j = session.start; j < session.deadline && left > 0; j++) {
    const wh = Math.min(left, session.maxWh)
    into[j] = into[j]! + wh
    left -= wh
  }
}

/** The session as a need of a plan that starts at interval `origin` (so its window is relative to the plan). */
export function needFrom(session: FlexSession, origin: number): DeferrableNeed {
  return {
    energyWh: session.energyWh,
    from: session.start - origin,
    deadline: session.deadline - origin,
    maxWh: session.maxWh,
  }
}

function whPerInterval(w: number, intervalS: number): number {
  if (!Number.isFinite(w) || w <= 0)
    throw new GridletError(`flexible load power must be > 0 W, got ${w}`, {
      code: 'STRATEGY_FLEX_POWER',
      field: 'maxW',
    })
  return Math.floor((w * intervalS) / 3600)
}

/**
 * A household's flexible loads over a series of intervals and their schedule (Wh per interval, `scheduled`).
 * `fixed` runs every session at full power from its start (plug-in, the off-peak relay): the reference.
 * `flexible` plans each session from `from` on when it starts (`plan`), at least expected cost (`planDeferrable`)
 * under the household's forecast surplus and the expected market price, so the need moves into hours of own or
 * neighbourhood PV surplus or a low price while every need is still met by its deadline.
 *
 * @example
 * const flex = new FlexibleLoads(sessions, { length, plan: 'flexible', from: 336 })
 * flex.plan(slot, 1, { load: forecastP50, pv: pvP50 }, tariffs) // then flex.scheduled[slot] is this interval's load
 */
export class FlexibleLoads {
  readonly scheduled: Int32Array
  private readonly waiting: FlexSession[]
  private readonly stagger: number

  constructor(
    sessions: readonly FlexSession[],
    init: {
      readonly length: number
      readonly plan: 'fixed' | 'flexible'
      readonly from: number
      /** This household's tie-break offset in its windows (see `planDeferrable`); 0 by default. */
      readonly stagger?: number
    },
  ) {
    this.stagger = init.stagger ?? 0
    this.scheduled = new Int32Array(init.length)
    this.waiting = []
    for (const s of sessions) {
      if (init.plan === 'flexible' && s.start >= init.from) this.waiting.push(s)
      else runImmediately(s, this.scheduled)
    }
    this.waiting.sort((a, b) => a.start - b.start)
  }

  /** How many intervals from `slot` a plan of the sessions starting in `[slot, slot + step)` looks ahead (0: none). */
  reach(slot: number, step: number): number {
    let reach = 0
    for (const s of this.waiting)
      if (s.start >= slot && s.start < slot + step) reach = Math.max(reach, s.deadline - slot)
    return reach
  }

  /**
   * Plans the sessions that start in `[slot, slot + step)` on forecasts that begin at `slot` (median load without
   * the flexible loads, median PV; at least `reach` long), the tariffs and expected market prices from `slot` on.
   */
  plan(
    slot: number,
    step: number,
    forecast: { readonly load: ArrayLike<number>; readonly pv?: ArrayLike<number> },
    tariffs: readonly Tariff[],
    expectedPrice?: readonly (bigint | undefined)[],
  ): void {
    while (this.waiting.length > 0 && this.waiting[0]!.start < slot + step) {
      const s = this.waiting.shift()!
      if (s.start < slot) continue
      const n = s.deadline - slot
      const surplusWh = new Float64Array(n)
      for (let j = 0; j < n; j++) surplusWh[j] = (forecast.pv?.[j] ?? 0) - forecast.load[j]! - this.scheduled[slot + j]!
      const plan = planDeferrable(
        needFrom(s, slot),
        deferrableCosts({ surplusWh, tariffs, expectedPrice }),
        this.stagger,
      )
      for (let j = 0; j < n; j++) this.scheduled[slot + j] = this.scheduled[slot + j]! + plan[j]!
    }
  }
}
