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

/**
 * Runs every household's agent over the assembled meter series: each day it observes the readings up to
 * `PLAN_LAG` intervals before the day, forecasts the day and plans with its strategy (see sim/agent/agent.ts).
 * Offline households send nothing during their fault.
 */
export function planOrders(s: Scenario, c: Community): OrderPlan {
  const { n, T, warmup, stride } = c
  const days = planDays(T, 86_400 / c.intervalS)
  const start = new Int32Array(n * T + 1)
  let side = new Uint8Array(n * T + 16)
  let qty = new Int32Array(n * T + 16)
  let limit = new Int32Array(n * T + 16)
  let m = 0
  for (let h = 0; h < n; h++) {
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
        start[h * T + k] = m
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
  start[n * T] = m
  const equivocate = new Uint8Array(n * T)
  for (const f of s.faults) {
    if (f.kind !== 'equivocate') continue
    for (const h of f.households)
      for (let k = f.fromInterval; k <= Math.min(f.toInterval, T - 1); k++) equivocate[h * T + k] = 1
  }
  return { start, side: side.slice(0, m), qty: qty.slice(0, m), limit: limit.slice(0, m), equivocate }
}

function grow<T extends Uint8Array | Int32Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2)
  b.set(a)
  return b
}
