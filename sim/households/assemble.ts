import { GridletError } from '../../src/core/errors.js'
import { type BatteryState, bandPriceAt, deliverBattery } from '../../src/core/strategy/index.js'
import { draw32, drawUnit, Stream } from '../random.js'
import { firstInterval, intervalCount, type Price, type Scenario } from '../scenario/schema.js'
import { flexibleSchedule } from './flexible.js'
import { type HouseholdDataSource, type LoadSeries, type PvShape, SLOT_MS } from './sources.js'

const DAY_MS = 86_400_000
const WEEK_MS = 7 * DAY_MS
/** Days of history before the period, so forecasts have a past on the first interval. */
export const WARMUP_DAYS = 7

/** Who a simulated household is and where its data comes from. */
export interface HouseholdInfo {
  readonly index: number
  /** SGSC household id whose load this household replays. */
  readonly sourceId: string
  /** Days added to the simulated date before looking the load up (see `loads.reuseOffsetDays`). */
  readonly offsetDays: number
  readonly loadScale: number
  /** Rooftop PV size, kWp (0 = none). */
  readonly kWp: number
  /** Battery capacity, Wh (0 = none). */
  readonly batteryWh: number
  /** Flexible loads it has on top of its real load (`households.flexible`). */
  readonly hotWater: boolean
  readonly ev: boolean
  /** Where in a window of equal prices its flexible loads start (drawn: spreads the neighbourhood's switch-on). */
  readonly flexStagger: number
}

/**
 * A neighbourhood ready to simulate: per household and interval, energy in Wh, household-major
 * (`x[h * stride + j]`), where `j` counts intervals from `WARMUP_DAYS` before the period (`j = warmup + k`).
 * `net` is what the household's meter sees at the grid connection: load - PV + battery charge - discharge
 * (> 0 import, < 0 export).
 */
export interface Community {
  readonly n: number
  /** Intervals in the period. */
  readonly T: number
  /** Intervals of warm-up history before the period. */
  readonly warmup: number
  readonly stride: number
  readonly intervalS: number
  /** Market interval id of the period's first interval. */
  readonly firstInterval: number
  readonly load: Int32Array
  readonly pv: Int32Array
  readonly net: Int32Array
  /** Retail and feed-in price per interval of the period, token units per kWh. */
  readonly retail: Int32Array
  readonly feedIn: Int32Array
  readonly households: readonly HouseholdInfo[]
}

/**
 * Builds the neighbourhood of a scenario from real data.
 *
 * Loads: the SGSC homes with at least `loads.minCoverageDays` complete days, sorted by id, are used in turn; the
 * household `i` replays home `i mod E` shifted by `floor(i / E) * reuseOffsetDays` days. A reading missing at the
 * shifted instant (a gap, or outside that home's coverage) is taken from the nearest week before or after that has it,
 * which keeps weekday and time of day. PV: the customer-12 shape at the same day of year and standard-time time of
 * day, scaled by kWp / 1.8.
 */
export function assembleCommunity(scenario: Scenario, data: HouseholdDataSource): Community {
  const T = intervalCount(scenario)
  const intervalS = scenario.intervalMinutes * 60
  const perDay = 86_400 / intervalS
  const warmup = WARMUP_DAYS * perDay
  const stride = warmup + T
  const n = scenario.households.count
  const startMs = Date.parse(scenario.period.start) - WARMUP_DAYS * DAY_MS
  const eligible = data.loads().filter((l) => l.completeDays >= scenario.households.loads.minCoverageDays)
  if (eligible.length === 0) {
    throw new GridletError('no SGSC household has enough complete days', {
      code: 'SIM_SCENARIO',
      field: 'households.loads.minCoverageDays',
    })
  }
  const pvShape = data.pvShape()
  const households = drawHouseholds(scenario, eligible)
  const load = new Int32Array(n * stride)
  const pv = new Int32Array(n * stride)
  const net = new Int32Array(n * stride)
  const slots = Math.ceil((stride * intervalS * 1000) / SLOT_MS)
  const slotLoad = new Int32Array(slots)
  const slotPv = new Int32Array(slots)
  const pvUnit = pvSeries(pvShape, startMs, slots)
  const flexibleSeries = flexibleContext(scenario, startMs, warmup, stride)
  for (const hh of households) {
    const series = eligible[hh.index % eligible.length] as LoadSeries
    const shift = hh.offsetDays * DAY_MS
    for (let s = 0; s < slots; s++) {
      slotLoad[s] = Math.round(loadAt(series, startMs + s * SLOT_MS + shift) * hh.loadScale)
      slotPv[s] = Math.round(((pvUnit[s] as number) * hh.kWp) / pvShape.kWp)
    }
    const o = hh.index * stride
    resample(slotLoad, load.subarray(o, o + stride))
    resample(slotPv, pv.subarray(o, o + stride))
    addFlexible(scenario, hh, load.subarray(o, o + stride), pv.subarray(o, o + stride), flexibleSeries)
    runBattery(scenario, hh, load.subarray(o, o + stride), pv.subarray(o, o + stride), net.subarray(o, o + stride))
  }
  const first = firstInterval(scenario)
  return {
    n,
    T,
    warmup,
    stride,
    intervalS,
    firstInterval: first,
    load,
    pv,
    net,
    retail: pricePerInterval(scenario.tariff.retail, scenario, first, T),
    feedIn: pricePerInterval(scenario.tariff.feedIn, scenario, first, T),
    households,
  }
}

function drawHouseholds(s: Scenario, eligible: readonly LoadSeries[]): HouseholdInfo[] {
  const { count, pv, battery, loads } = s.households
  const out: HouseholdInfo[] = []
  for (let i = 0; i < count; i++) {
    const hasPv = drawUnit(s.seed, Stream.HasPv, i) < pv.share
    const kWp = hasPv ? round1(pv.kWp.min + drawUnit(s.seed, Stream.PvSize, i) * (pv.kWp.max - pv.kWp.min)) : 0
    const hasBattery = hasPv && drawUnit(s.seed, Stream.HasBattery, i) < battery.shareOfPv
    const scale = loads.scale.min + drawUnit(s.seed, Stream.LoadScale, i) * (loads.scale.max - loads.scale.min)
    out.push({
      index: i,
      sourceId: (eligible[i % eligible.length] as LoadSeries).id,
      offsetDays: Math.floor(i / eligible.length) * loads.reuseOffsetDays,
      loadScale: Math.round(scale * 1000) / 1000,
      kWp,
      batteryWh: hasBattery ? battery.capacityWh : 0,
      hotWater: drawUnit(s.seed, Stream.HasHotWater, i) < s.households.flexible.hotWater.share,
      ev: drawUnit(s.seed, Stream.HasEv, i) < s.households.flexible.ev.share,
      flexStagger: draw32(s.seed, Stream.FlexStagger, i) || 1,
    })
  }
  return out
}

const round1 = (x: number) => Math.round(x * 10) / 10

/** The series-wide facts the flexible loads plan with: prices over warm-up and period, the first local midnight. */
function flexibleContext(s: Scenario, startMs: number, warmup: number, stride: number) {
  const intervalS = s.intervalMinutes * 60
  const first = firstInterval(s) - warmup
  const retail = pricePerInterval(s.tariff.retail, s, first, stride)
  const feedIn = pricePerInterval(s.tariff.feedIn, s, first, stride)
  const tariffs = Array.from(retail, (r, j) => ({ retailPrice: BigInt(r), feedInPrice: BigInt(feedIn[j]!) }))
  const intoDay = (((startMs / 1000 + s.tariff.utcOffsetHours * 3600) % 86_400) + 86_400) % 86_400
  return { tariffs, warmup, firstMidnight: intoDay === 0 ? 0 : Math.ceil((86_400 - intoDay) / intervalS) }
}

/** Adds the household's flexible loads (if it has any) to its load, before the battery and the meter see it. */
function addFlexible(
  s: Scenario,
  hh: HouseholdInfo,
  load: Int32Array,
  pv: Int32Array,
  ctx: ReturnType<typeof flexibleContext>,
): void {
  const schedule = flexibleSchedule(s.households.flexible, hh, { ...ctx, load, pv }, s.intervalMinutes * 60)
  if (schedule) for (let j = 0; j < load.length; j++) load[j] = load[j]! + schedule[j]!
}

/** Reading of `series` at `atMs`, or of the nearest week before/after that has one. */
function loadAt(series: LoadSeries, atMs: number): number {
  const len = series.wh.length
  const base = (atMs - series.startMs) / SLOT_MS
  const weekSlots = WEEK_MS / SLOT_MS
  const maxWeeks = Math.ceil(len / weekSlots) + Math.ceil(Math.abs(base) / weekSlots) + 1
  for (let w = 0; w <= maxWeeks; w++) {
    for (const sign of w === 0 ? [0] : [-1, 1]) {
      const i = base + sign * w * weekSlots
      if (i >= 0 && i < len) {
        const v = series.wh[i] as number
        if (v >= 0) return v
      }
    }
  }
  throw new GridletError(`SGSC household ${series.id} has no reading at this time of week`, { code: 'SIM_DATA_GAP' })
}

/**
 * PV of the shape's system per 30-min slot from `startMs` (UTC): the reading at the same day of year and the same
 * time of day in Sydney *standard* time (UTC+10) — the sun keeps standard time, so solar noon lines up whatever the
 * daylight-saving state of either year.
 */
function pvSeries(shape: PvShape, startMs: number, slots: number): Int32Array {
  const out = new Int32Array(slots)
  const standardMs = 10 * 3_600_000
  for (let s = 0; s < slots; s++) {
    const local = new Date(startMs + s * SLOT_MS + standardMs)
    const month = local.getUTCMonth()
    const timeOfDay = local.getUTCHours() * 3_600_000 + local.getUTCMinutes() * 60_000
    // The shape runs July 2011 - June 2012: take the same month and day (2012 is a leap year, so 29 Feb exists).
    const pvLocal = Date.UTC(month >= 6 ? 2011 : 2012, month, local.getUTCDate()) + timeOfDay
    out[s] = shape.wh[(pvLocal - standardMs - shape.startMs) / SLOT_MS] ?? 0
  }
  return out
}

/** 30-min slots onto the interval grid: sums pairs for 60 min, splits each slot in two for 15 min. */
function resample(slots: Int32Array, out: Int32Array): void {
  if (out.length === slots.length) {
    out.set(slots)
    return
  }
  if (out.length * 2 === slots.length) {
    for (let j = 0; j < out.length; j++) out[j] = (slots[2 * j] as number) + (slots[2 * j + 1] as number)
    return
  }
  for (let s = 0; s < slots.length; s++) {
    const v = slots[s] as number
    const half = Math.floor(v / 2)
    out[2 * s] = half
    out[2 * s + 1] = v - half
  }
}

/**
 * Battery behind the meter, run by the core's `deliverBattery` with nothing contracted: self-consumption on actual
 * energy (charges from PV surplus, discharges into deficit, within power and capacity), starting half full at the
 * beginning of the warm-up. The meter, and the market, see the rest. Because the battery does not follow the
 * market's trades, the meter series is fixed before the run: network mode replays it, fast mode clears intervals
 * independently.
 */
function runBattery(s: Scenario, hh: HouseholdInfo, load: Int32Array, pv: Int32Array, net: Int32Array): void {
  const { powerW, efficiency } = s.households.battery
  let battery: BatteryState | undefined =
    hh.batteryWh > 0 ? { capacityWh: hh.batteryWh, powerW, efficiency, socWh: Math.floor(hh.batteryWh / 2) } : undefined
  const intervalS = s.intervalMinutes * 60
  for (let j = 0; j < net.length; j++) {
    const d = deliverBattery(battery, 0, load[j] as number, pv[j] as number, intervalS)
    battery = d.battery
    net[j] = d.meteredWh
  }
}

/** Price of each interval of the period, reading time-of-use bands in the tariff's local time (as the node does). */
function pricePerInterval(p: Price, s: Scenario, first: number, T: number): Int32Array {
  const out = new Int32Array(T)
  const intervalMs = s.intervalMinutes * 60_000
  for (let k = 0; k < T; k++) {
    const price =
      typeof p === 'number' ? p : bandPriceAt(p, (first + k) * intervalMs, s.tariff.utcOffsetHours * 3_600_000)
    if (price === undefined) {
      throw new GridletError('time-of-use bands leave a gap', { code: 'SIM_SCENARIO', field: 'tariff' })
    }
    out[k] = price
  }
  return out
}
