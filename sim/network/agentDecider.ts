import type { Forecaster } from '../../src/core/forecast/types.js'
import type { OrderIntent } from '../../src/core/strategy/types.js'
import type { Decider } from '../../src/node/ports.js'
import { exportOf, type HouseholdAgent, importOf, PLAN_LAG, type PlannedOrder, planDays } from '../agent/agent.js'
import type { HostedHousehold } from './protocol.js'

export interface AgentDeciderInit {
  readonly hh: HostedHousehold
  readonly agent: HouseholdAgent
  readonly firstInterval: number
  readonly T: number
  readonly intervalMs: number
}

/**
 * The simulated household's brain as the node's decider port: the node feeds its forecasters what it measured over
 * Modbus (per interval, from its own summaries), and this hands the measurements to the household's agent
 * (sim/agent, the same fast mode runs), which plans each day from the readings at least `PLAN_LAG` intervals old
 * before the day, as in fast mode. The node asks its strategy for one interval at a time and turns the intents into
 * orders with the core order policy, like any node. It knows no faults: they act on the node's adapters
 * (sim/network/faultyNetwork.ts).
 */
export function agentDecider(init: AgentDeciderInit): Decider {
  const { hh, agent, firstInterval, T, intervalMs } = init
  const importWh = new Float64Array(T).fill(Number.NaN)
  const exportWh = new Float64Array(T).fill(Number.NaN)
  const perDay = 86_400_000 / intervalMs
  const days = planDays(T, perDay)
  const warm = hh.warmup.length
  let fed = 0
  let day: { k0: number; byK: PlannedOrder[][] } | undefined
  const periodIndex = (ms: number) => Math.round(ms / intervalMs) - firstInterval
  const recorder = (into: Float64Array): Forecaster => ({
    model: 'persistence',
    observe(ms, wh) {
      const k = periodIndex(ms)
      if (k >= 0 && k < T) into[k] = wh
    },
    // The agent forecasts with its own models when it plans the day; the node's per-interval forecast is unused.
    forecast: (_from, n) => ({ p10: new Float64Array(n), p50: new Float64Array(n), p90: new Float64Array(n) }),
  })
  const planDay = (k0: number, horizon: number) => {
    for (; fed < warm + k0 - PLAN_LAG; fed++) {
      const j = fed
      if (j < warm) agent.observe(j, importOf(hh.warmup[j]!), exportOf(hh.warmup[j]!))
      else agent.observe(j, importWh[j - warm]!, exportWh[j - warm]!)
    }
    const oracle = hh.oracle?.subarray(k0, k0 + horizon)
    const planned = agent.plan(
      k0,
      horizon,
      oracle && { importWh: oracle.map(importOf), exportWh: oracle.map(exportOf) },
    )
    const byK: PlannedOrder[][] = Array.from({ length: horizon }, () => [])
    for (const o of planned) byK[o.k - k0]?.push(o)
    return { k0, byK }
  }
  return {
    load: recorder(importWh),
    pv: recorder(exportWh),
    strategy: {
      name: 'sim-agent',
      plan(ctx): OrderIntent[] {
        const k = Number(ctx.firstInterval) - firstInterval
        if (k < 0 || k >= T) return []
        const d = days.find((x) => k >= x.k0 && k < x.k0 + x.horizon)!
        if (day?.k0 !== d.k0) day = planDay(d.k0, d.horizon)
        return (day.byK[k - d.k0] ?? []).map((p) => ({
          interval: ctx.firstInterval,
          side: p.side,
          quantityWh: BigInt(p.quantityWh),
          limitPrice: BigInt(p.limitPrice),
        }))
      },
    },
  }
}
