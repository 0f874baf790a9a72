import { checkPlausibility, type Implausible, type PlausibilityLimits } from './checkPlausibility.js'
import { registerCount, WORD_ORDERS, type WordOrder } from './decode.js'
import { MeterError } from './errors.js'
import { decodePlan, type ReadPlan, withWordOrder } from './plan.js'
import type { MeterProfile } from './profile.js'
import { type Decoded, QUANTITY_INDEX } from './types.js'

export interface ImplausibleContext {
  device: string
  profile: MeterProfile
  unitId: number
  plan: ReadPlan
  /** The replies the implausible values were decoded from. */
  replies: readonly Buffer[]
  limits: PlausibilityLimits
}

/**
 * The IMPLAUSIBLE error for `issue`, with a hint of what to try. The same replies are decoded again in the other
 * word orders: when one of them gives a plausible reading, the hint names it (the usual commissioning mistake);
 * otherwise it points at the profile and the unit id.
 *
 * @example
 * const issue = checkPlausibility(values, limits)
 * if (issue) throw implausibleError(issue, { device, profile, unitId, plan, replies, limits })
 */
export function implausibleError(issue: Implausible, ctx: ImplausibleContext): MeterError {
  const { min, max, unit } = issue.expected
  const order = plausibleWordOrder(ctx)
  const hint = order
    ? `the same reply is plausible in word order ${order.order} (${summary(order.values)}): ` +
      `try --word-order ${order.order}, or set "wordOrder": "${order.order}" on the profile's values`
    : `check that profile ${ctx.profile.id} is this device (gridlet meter profiles), that unit ${ctx.unitId} is ` +
      'the meter (gridlet meter scan), and the word order (--word-order ABCD|CDAB|BADC|DCBA)'
  return new MeterError(`${ctx.device}: implausible ${issue.quantity}`, {
    code: 'IMPLAUSIBLE',
    field: issue.quantity,
    value: issue.value,
    expected: issue.expected,
    details: `${issue.quantity} = ${format(issue.value)} ${unit}, expected ${range(min, max, unit)}: ${issue.rule}`,
    hint,
  })
}

function plausibleWordOrder(ctx: ImplausibleContext): { order: WordOrder; values: Decoded } | undefined {
  const wide = ctx.plan.values.filter((v) => registerCount(v.type) === 2)
  if (wide.length === 0) return undefined
  for (const order of WORD_ORDERS) {
    if (wide.every((v) => v.wordOrder === order)) continue // what was just read
    try {
      const values = decodePlan(withWordOrder(ctx.plan, order), ctx.replies)
      if (!checkPlausibility(values, ctx.limits)) return { order, values }
    } catch {
      // a layout expectation failed: not this order
    }
  }
  return undefined
}

function summary(values: Decoded): string {
  const parts: string[] = []
  for (const q of ['voltageL1V', 'frequencyHz', 'activePowerW', 'importEnergyWh'] as const) {
    const v = values[QUANTITY_INDEX[q]]!
    if (!Number.isNaN(v)) parts.push(`${q} ${format(v)}`)
  }
  return parts.join(', ')
}

function range(min: number, max: number, unit: string): string {
  return max === Number.POSITIVE_INFINITY
    ? `0 or |value| >= ${format(min)} ${unit}`
    : `${format(min)}..${format(max)} ${unit}`
}

function format(v: number): string {
  if (!Number.isFinite(v)) return String(v)
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e9)) return v.toExponential(3)
  return String(Math.round(v * 1000) / 1000)
}
