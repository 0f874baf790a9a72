import type { ValueRange } from './errors.js'
import { type Decoded, QUANTITIES, QUANTITY_INDEX, type Quantity } from './types.js'

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
const I = QUANTITY_INDEX
/** Per-phase quantity names and positions, built once (this runs on every reading). */
const PHASES = ([1, 2, 3] as const).map((n) => {
  const v = `voltageL${n}V` as const
  const a = `currentL${n}A` as const
  const w = `activePowerL${n}W` as const
  return { n, v, a, w, vi: I[v], ai: I[a], wi: I[w] }
})
const POWERS = (['activePowerW', 'pvPowerW'] as const).map((q) => ({ q, i: I[q] }))
const COUNTERS = (['importEnergyWh', 'exportEnergyWh', 'pvEnergyWh'] as const).map((q) => ({ q, i: I[q] }))

/** `v`, or 0 when it is absent (NaN). */
const orZero = (v: number) => (Number.isNaN(v) ? 0 : v)

/**
 * Judges decoded values (absent ones are NaN, see {@link Decoded}).
 *
 * @example
 * const issue = checkPlausibility(decodePlan(plan, replies), { maxPowerW: 80_000 })
 * if (issue) throw new MeterError(`implausible ${issue.quantity}`, { code: 'IMPLAUSIBLE', field: issue.quantity })
 */
export function checkPlausibility(values: Decoded, limits: PlausibilityLimits): Implausible | undefined {
  return (
    tinyValue(values) ??
    voltages(values) ??
    frequency(values) ??
    powersAndCurrents(values, limits) ??
    phaseSum(values) ??
    apparentPower(values) ??
    counters(values, limits)
  )
}

/** The first tiny nonzero value, in `QUANTITIES` order (NaN, i.e. absent, is never tiny). */
function tinyValue(values: Decoded): Implausible | undefined {
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!
    if (value === 0 || !(Math.abs(value) < TINY)) continue
    const quantity = QUANTITIES[i]!
    return {
      quantity,
      value,
      expected: { min: TINY, max: Number.POSITIVE_INFINITY, unit: unitOf(quantity) },
      rule: 'a meter reports 0 or at least 1e-6; tiny nonzero values are what a float in the wrong word order reads as',
    }
  }
  return undefined
}

function voltages(values: Decoded): Implausible | undefined {
  for (const p of PHASES) {
    const v = values[p.vi]!
    if (Number.isNaN(v) || (v >= MAINS_VOLTAGE.min && v <= MAINS_VOLTAGE.max)) continue
    const a = Math.abs(orZero(values[p.ai]!))
    const w = Math.abs(orZero(values[p.wi]!))
    if (v >= 0 && v < DEAD_PHASE_V && a < 0.5 && w < 50) continue // a phase that is not connected
    return {
      quantity: p.v,
      value: v,
      expected: MAINS_VOLTAGE,
      rule: `mains voltage (or below ${DEAD_PHASE_V} V on an unconnected phase with no current)`,
    }
  }
  return undefined
}

function frequency(values: Decoded): Implausible | undefined {
  const hz = values[I.frequencyHz]!
  if (Number.isNaN(hz) || (hz >= MAINS_FREQUENCY.min && hz <= MAINS_FREQUENCY.max)) return undefined
  return { quantity: 'frequencyHz', value: hz, expected: MAINS_FREQUENCY, rule: 'mains frequency' }
}

function powersAndCurrents(values: Decoded, { maxPowerW }: PlausibilityLimits): Implausible | undefined {
  const powerLimit = maxPowerW * 1.5
  for (const { q, i } of POWERS) {
    const w = values[i]!
    if (Math.abs(w) > powerLimit) {
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
  for (const p of PHASES) {
    const a = values[p.ai]!
    if (Math.abs(a) > currentLimit) {
      return {
        quantity: p.a,
        value: a,
        expected: { min: -currentLimit, max: currentLimit, unit: 'A' },
        rule: `1.5 x maxPowerW (${maxPowerW} W) at ${MAINS_VOLTAGE.min} V`,
      }
    }
  }
  return undefined
}

/** The total active power equals the sum of the phase powers (3 % + 10 W for rounding and sampling). */
function phaseSum(values: Decoded): Implausible | undefined {
  const total = values[I.activePowerW]!
  if (Number.isNaN(total)) return undefined
  let phases = 0
  let sum = 0
  let magnitude = 0
  for (const p of PHASES) {
    const w = values[p.wi]!
    if (Number.isNaN(w)) continue
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
function apparentPower(values: Decoded): Implausible | undefined {
  for (const p of PHASES) {
    const v = values[p.vi]!
    const a = values[p.ai]!
    const w = values[p.wi]!
    // Any of them absent (NaN) makes the comparison false: nothing to judge.
    const limit = Math.abs(v * a) * 1.05 + 10
    if (!(Math.abs(w) > limit)) continue
    return {
      quantity: p.w,
      value: w,
      expected: { min: -limit, max: limit, unit: 'W' },
      rule: `at most V x I = ${round(v)} V x ${round(a)} A on phase L${p.n}`,
    }
  }
  return undefined
}

function counters(values: Decoded, { maxPowerW }: PlausibilityLimits): Implausible | undefined {
  const lifetimeWh = maxPowerW * LIFETIME_YEARS * 8766
  for (const { q, i } of COUNTERS) {
    const wh = values[i]!
    if (Number.isNaN(wh) || (wh >= 0 && wh <= lifetimeWh)) continue
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
