import type { ValueRange } from './errors.js'
import type { Quantity } from './types.js'

/**
 * Physical plausibility of one decoded reading. A meter read with the wrong word order, the wrong profile or at
 * another unit id still returns numbers; these checks tell such numbers from measurements, so that commissioning
 * mistakes fail loudly instead of feeding believable nonsense to the market. The checker only judges: it returns the
 * first implausible value, or undefined.
 */

/** What the meter could physically report. */
export interface PlausibilityLimits {
  /** The connection's largest power, W (the fuse rating). Powers up to 1.5x are tolerated (short overloads). */
  maxPowerW: number
}

export interface Implausible {
  quantity: Quantity
  value: number
  expected: ValueRange
  /** Why the range applies, for people. */
  rule: string
}

/** Mains phase-to-neutral voltage: 100-120 V and 220-240 V systems with their tolerances. */
export const MAINS_VOLTAGE: ValueRange = { min: 85, max: 280, unit: 'V' }
export const MAINS_FREQUENCY: ValueRange = { min: 45, max: 65, unit: 'Hz' }
/** Below this a phase counts as not connected (then its current and power must be about 0 too). */
const DEAD_PHASE_V = 10
/** Smallest nonzero magnitude a meter reports; a float read with swapped words is typically ~1e-38 or smaller. */
const TINY = 1e-6
/** Years of running at full power that bound an energy counter (no meter has accumulated more). */
const LIFETIME_YEARS = 40
/** Per-phase quantity names, built once (this runs on every reading). */
const PHASE_KEYS = ([1, 2, 3] as const).map((n) => ({
  n,
  v: `voltageL${n}V` as const,
  a: `currentL${n}A` as const,
  w: `activePowerL${n}W` as const,
}))

const POWER_KEYS = ['activePowerW', 'pvPowerW'] as const
const COUNTER_KEYS = ['importEnergyWh', 'exportEnergyWh', 'pvEnergyWh'] as const

type Values = ReadonlyMap<Quantity, number | undefined>

/**
 * @example
 * const issue = checkPlausibility(decoded, { maxPowerW: 80_000 })
 * if (issue) throw new MeterError(`implausible ${issue.quantity}`, { code: 'IMPLAUSIBLE', field: issue.quantity })
 */
export function checkPlausibility(values: Values, limits: PlausibilityLimits): Implausible | undefined {
  for (let i = 0; i < 3; i++) {
    const k = PHASE_KEYS[i]!
    VOLTS[i] = values.get(k.v)
    AMPS[i] = values.get(k.a)
    WATTS[i] = values.get(k.w)
  }
  return (
    tinyValue(values) ??
    voltages() ??
    frequency(values) ??
    powersAndCurrents(values, limits) ??
    phaseSum(values) ??
    apparentPower() ??
    counters(values, limits)
  )
}

/**
 * The phase values of the reading being checked, looked up once per reading rather than once per rule. The check
 * is synchronous, so one scratch serves every call.
 */
const VOLTS: (number | undefined)[] = [undefined, undefined, undefined]
const AMPS: (number | undefined)[] = [undefined, undefined, undefined]
const WATTS: (number | undefined)[] = [undefined, undefined, undefined]

/** The first tiny nonzero value of the reading being checked (found by `findTiny`, no closure per reading). */
let tinyQuantity: Quantity | undefined
let tinyFound = 0

function findTiny(v: number | undefined, q: Quantity): void {
  if (tinyQuantity === undefined && v !== undefined && v !== 0 && Math.abs(v) < TINY) {
    tinyQuantity = q
    tinyFound = v
  }
}

function tinyValue(values: Values): Implausible | undefined {
  tinyQuantity = undefined
  values.forEach(findTiny)
  const quantity = tinyQuantity
  const value = tinyFound
  if (quantity === undefined) return undefined
  return {
    quantity,
    value,
    expected: { min: TINY, max: Number.POSITIVE_INFINITY, unit: unitOf(quantity) },
    rule: 'a meter reports 0 or at least 1e-6; tiny nonzero values are what a float in the wrong word order reads as',
  }
}

function voltages(): Implausible | undefined {
  for (let i = 0; i < 3; i++) {
    const v = VOLTS[i]
    if (v === undefined || (v >= MAINS_VOLTAGE.min && v <= MAINS_VOLTAGE.max)) continue
    const a = Math.abs(AMPS[i] ?? 0)
    const w = Math.abs(WATTS[i] ?? 0)
    if (v >= 0 && v < DEAD_PHASE_V && a < 0.5 && w < 50) continue // a phase that is not connected
    return {
      quantity: PHASE_KEYS[i]!.v,
      value: v,
      expected: MAINS_VOLTAGE,
      rule: `mains voltage (or below ${DEAD_PHASE_V} V on an unconnected phase with no current)`,
    }
  }
  return undefined
}

function frequency(values: Values): Implausible | undefined {
  const hz = values.get('frequencyHz')
  if (hz === undefined || (hz >= MAINS_FREQUENCY.min && hz <= MAINS_FREQUENCY.max)) return undefined
  return { quantity: 'frequencyHz', value: hz, expected: MAINS_FREQUENCY, rule: 'mains frequency' }
}

function powersAndCurrents(values: Values, { maxPowerW }: PlausibilityLimits): Implausible | undefined {
  const powerLimit = maxPowerW * 1.5
  for (const q of POWER_KEYS) {
    const w = values.get(q)
    if (w !== undefined && !(Math.abs(w) <= powerLimit)) {
      return {
        quantity: q,
        value: w,
        expected: { min: -powerLimit, max: powerLimit, unit: 'W' },
        rule: `1.5 x the profile's maxPowerW (${maxPowerW} W)`,
      }
    }
  }
  // The whole fuse rating on one phase at the lowest mains voltage: a generous bound that still catches garbage.
  const currentLimit = powerLimit / MAINS_VOLTAGE.min
  for (let i = 0; i < 3; i++) {
    const a = AMPS[i]
    if (a !== undefined && !(Math.abs(a) <= currentLimit)) {
      return {
        quantity: PHASE_KEYS[i]!.a,
        value: a,
        expected: { min: -currentLimit, max: currentLimit, unit: 'A' },
        rule: `1.5 x maxPowerW (${maxPowerW} W) at ${MAINS_VOLTAGE.min} V`,
      }
    }
  }
  return undefined
}

/** The total active power equals the sum of the phase powers (3 % + 10 W for rounding and sampling). */
function phaseSum(values: Values): Implausible | undefined {
  const total = values.get('activePowerW')
  if (total === undefined) return undefined
  let phases = 0
  let sum = 0
  let magnitude = 0
  for (const w of WATTS) {
    if (w === undefined) continue
    phases++
    sum += w
    magnitude += Math.abs(w)
  }
  const tolerance = 10 + 0.03 * magnitude
  if (phases < 2 || Math.abs(total - sum) <= tolerance) return undefined
  return {
    quantity: 'activePowerW',
    value: total,
    expected: { min: sum - tolerance, max: sum + tolerance, unit: 'W' },
    rule: `the sum of the phase powers (${round(sum)} W) within 3 % + 10 W`,
  }
}

/** |P| <= V x I on each phase (the power factor is at most 1), with 5 % + 10 W for sampling. */
function apparentPower(): Implausible | undefined {
  for (let i = 0; i < 3; i++) {
    const v = VOLTS[i]
    const a = AMPS[i]
    const w = WATTS[i]
    if (v === undefined || a === undefined || w === undefined) continue
    const limit = Math.abs(v * a) * 1.05 + 10
    if (Math.abs(w) <= limit) continue
    const { n, w: wKey } = PHASE_KEYS[i]!
    return {
      quantity: wKey,
      value: w,
      expected: { min: -limit, max: limit, unit: 'W' },
      rule: `at most V x I = ${round(v)} V x ${round(a)} A on phase L${n}`,
    }
  }
  return undefined
}

function counters(values: Values, { maxPowerW }: PlausibilityLimits): Implausible | undefined {
  const lifetimeWh = maxPowerW * LIFETIME_YEARS * 8766
  for (const q of COUNTER_KEYS) {
    const wh = values.get(q)
    if (wh === undefined || (wh >= 0 && wh <= lifetimeWh)) continue
    return {
      quantity: q,
      value: wh,
      expected: { min: 0, max: lifetimeWh, unit: 'Wh' },
      rule: `between 0 and ${LIFETIME_YEARS} years at maxPowerW (${maxPowerW} W)`,
    }
  }
  return undefined
}

/** Unit of a quantity, from its name's suffix. */
export function unitOf(q: Quantity): string {
  if (q.endsWith('Wh')) return 'Wh'
  if (q.endsWith('Hz')) return 'Hz'
  return q.slice(-1)
}

function round(v: number): number {
  return Math.round(v * 10) / 10
}
