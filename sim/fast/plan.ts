import { exportOf, householdAgent, importOf, PLAN_LAG, planDays } from '../agent/agent.js'
import type { Community } from '../households/assemble.js'
import { faultAt } from '../scenario/faults.js'
import type { Scenario } from '../scenario/schema.js'

/**
 * Every order of a fast-mode run, in compressed rows: the orders of household `h` in period interval `k` are
 * `start[h * T + k]` to `start[h * T + k + 1]` (exclusive); an order's nonce is its place in that range.
 */
export interface OrderPlan {
  readonly start: Int32Array
  /** 0 buy, 1 sell. */
  readonly side: Uint8Array
  readonly qty: Int32Array
  readonly limit: Int32Array
  /** 1 where household h equivocates in interval k (`[h * T + k]`): all its orders there are excluded. */
  readonly equivocate: Uint8Array
}

/** What planning reads of a community (structured-cloneable: fast mode's worker threads plan too). */
export type PlanningCommunity = Pick<
  Community,
  'n' | 'T' | 'warmup' | 'stride' | 'intervalS' | 'firstInterval' | 'net' | 'retail' | 'feedIn' | 'households'
>

/** The orders of households [h0, h1) in the rows of `OrderPlan`, `start` counted from household h0. */
export type PlanPart = Omit<OrderPlan, 'equivocate'> & { readonly h0: number; readonly h1: number }

/**
 * Runs every household's agent over the assembled meter series: each day it observes the readings up to
 * `PLAN_LAG` intervals before the day, forecasts the day and plans with its strategy (see sim/agent/agent.ts).
 * Offline households send nothing during their fault.
 */
export function planOrders(s: Scenario, c: PlanningCommunity): OrderPlan {
  return joinPlans(s, c, [planHouseholds(s, c, 0, c.n)])
}

/** `planOrders` for households [h0, h1) only: households are independent, so parts can be planned in parallel. */
export function planHouseholds(s: Scenario, c: PlanningCommunity, h0: number, h1: number): PlanPart {
  const { T, warmup, stride } = c
  const days = planDays(T, 86_400 / c.intervalS)
  const start = new Int32Array((h1 - h0) * T + 1)
  const rows = (h1 - h0) * T + 16
  let side = new Uint8Array(rows)
  let qty = new Int32Array(rows)
  let limit = new Int32Array(rows)
  let m = 0
  for (let h = h0; h < h1; h++) {
    const o = h * stride
    const net = c.net.subarray(o, o + stride)
    const agent = householdAgent({
      scenario: s,
      h,
      hasPv: (c.households[h]?.kWp ?? 0) > 0,
      firstInterval: c.firstInterval,
      warmup,
      retail: c.retail,
      feedIn: c.feedIn,
    })
    let fed = 0
    for (const { k0, horizon } of days) {
      for (; fed < warmup + k0 - PLAN_LAG; fed++) agent.observe(fed, importOf(net[fed]!), exportOf(net[fed]!))
      const day = net.subarray(warmup + k0, warmup + k0 + horizon)
      const orders = agent.plan(k0, horizon, { importWh: day.map(importOf), exportWh: day.map(exportOf) })
      let i = 0
      for (let k = k0; k < k0 + horizon; k++) {
        start[(h - h0) * T + k] = m
        const offline = faultAt(s, 'offline', h, k)
        for (; i < orders.length && orders[i]!.k === k; i++) {
          if (offline) continue
          if (m === qty.length) {
            side = grow(side)
            qty = grow(qty)
            limit = grow(limit)
          }
          const p = orders[i]!
          side[m] = p.side
          qty[m] = p.quantityWh
          limit[m] = p.limitPrice
          m++
        }
      }
    }
  }
  start[(h1 - h0) * T] = m
  return { h0, h1, start, side: side.slice(0, m), qty: qty.slice(0, m), limit: limit.slice(0, m) }
}

/** The plan of all households from parts covering [0, n) in order, with the scenario's equivocation faults. */
export function joinPlans(s: Scenario, c: Pick<Community, 'n' | 'T'>, parts: readonly PlanPart[]): OrderPlan {
  const { n, T } = c
  const equivocate = new Uint8Array(n * T)
  for (const f of s.faults) {
    if (f.kind !== 'equivocate') continue
    for (const h of f.households)
      for (let k = f.fromInterval; k <= Math.min(f.toInterval, T - 1); k++) equivocate[h * T + k] = 1
  }
  if (parts.length === 1) return { ...parts[0]!, equivocate }
  const orders = parts.reduce((m, p) => m + p.qty.length, 0)
  const plan = {
    start: new Int32Array(n * T + 1),
    side: new Uint8Array(orders),
    qty: new Int32Array(orders),
    limit: new Int32Array(orders),
    equivocate,
  }
  let m = 0
  for (const p of parts) {
    const rows = (p.h1 - p.h0) * T
    for (let r = 0; r < rows; r++) plan.start[p.h0 * T + r] = p.start[r]! + m
    plan.side.set(p.side, m)
    plan.qty.set(p.qty, m)
    plan.limit.set(p.limit, m)
    m += p.qty.length
  }
  plan.start[n * T] = m
  return plan
}

function grow<T extends Uint8Array | Int32Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2)
  b.set(a)
  return b
}
