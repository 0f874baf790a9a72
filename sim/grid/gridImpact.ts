import { type CompiledNetwork, createPowerFlow, type GridNetwork } from '../../src/core/grid/index.js'

/** What the power flow found over a run, for one set of injections. Hours are interval counts times their length. */
export interface GridKpis {
  /** Bus-intervals outside the voltage band. */
  readonly voltageViolations: number
  /** Hours in which at least one bus was below / above the band. */
  readonly undervoltageHours: number
  readonly overvoltageHours: number
  /** Hours in which at least one cable carried more than its ampacity / the transformer more than its rating. */
  readonly cableOverloadHours: number
  readonly transformerOverloadHours: number
  readonly lossesKwh: number
  /** Losses as a share of the energy through the transformer (both directions). */
  readonly lossesPct: number
  readonly minVoltagePu: number
  readonly maxVoltagePu: number
  readonly maxCableLoadingPct: number
  readonly maxTransformerLoadingPct: number
  /** Intervals whose sweep did not converge (voltage collapse: far beyond any rating). */
  readonly notConverged: number
}

/** Per-interval series and per-element extremes of one set of injections. */
export interface GridDetail {
  readonly minVm: Float32Array
  readonly maxVm: Float32Array
  readonly maxCableLoadingPct: Float32Array
  readonly transformerLoadingPct: Float32Array
  readonly lossesWh: Float32Array
  /** Highest loading of each line over the run (order of `network.lines`). */
  readonly lineMaxLoadingPct: Float32Array
  /** Lowest and highest voltage of each bus over the run (order of `network.buses`). */
  readonly busMinVm: Float32Array
  readonly busMaxVm: Float32Array
}

/** The grid side of a run (`MarketOutcome.grid`). */
export interface GridOutcome {
  readonly network: GridNetwork
  readonly voltageBand: { readonly min: number; readonly max: number }
  /** The meters as replayed, without a local market. */
  readonly gridOnly: GridKpis
  /** The meters as the market run left them (the same series when the run did not change them). */
  readonly withMarket: GridKpis
  /** True when the market run did not change any household's metered energy (then both KPI sets are equal). */
  readonly sameInjections: boolean
  readonly detail: GridDetail
  /** With site envelopes (a capacity-aware market): what keeping within them cost the households. */
  readonly envelope?: EnvelopeCost
  /** The same scenario run three ways (sim/grid/compareMarkets.ts), when the report was made by that comparison. */
  readonly comparison?: readonly GridComparisonRow[]
}

/** The grid KPIs of one way to run a scenario's neighbourhood, with the energy its market traded and its cost. */
export interface GridComparisonRow {
  readonly run: 'grid-only' | 'unconstrained' | 'capacity-aware'
  readonly kpis: GridKpis
  readonly marketKwh: number
  /**
   * What the households paid together, token units: market trades (fees included) plus the retailer's bill for the
   * delivered meters' deviation from the contracts (import at retail, export at feed-in).
   */
  readonly householdCost: number
  /** Curtailment and unavoidable import above the site envelopes (capacity-aware only). */
  readonly envelope?: EnvelopeCost
}

/** Energy lost to the site envelopes over a run. */
export interface EnvelopeCost {
  /** PV curtailed to keep exports within the envelopes, kWh, and as a share of all PV generated. */
  readonly curtailedKwh: number
  readonly curtailedPct: number
  /** Households that curtailed at all. */
  readonly curtailingHouseholds: number
  /** Import above the envelopes that no device could avoid (base load is not cut), kWh. */
  readonly importOverKwh: number
}

/** Household-interval energy, Wh: household h, interval k at `data[h * stride + base + k]`, import positive. */
export interface Injections {
  readonly data: Int32Array
  readonly stride: number
  readonly base: number
}

export interface GridRunOptions {
  readonly T: number
  readonly intervalS: number
  readonly voltageBand: { readonly min: number; readonly max: number }
  /** Power factor of import (export at unity). */
  readonly powerFactor: number
}

/**
 * Runs every interval's household injections through the power flow of `c` (household h = `c.network.households[h]`,
 * the interval's energy as its mean power) and sums up voltage violations, overload hours and losses. One solver,
 * warm-started from the previous interval: a year of 30-minute intervals on 300 buses takes about a second.
 *
 * @example
 * const { kpis } = runGrid(c, { data: community.net, stride: community.stride, base: community.warmup }, opts)
 */
export function runGrid(
  c: CompiledNetwork,
  inj: Injections,
  o: GridRunOptions,
): { kpis: GridKpis; detail: GridDetail } {
  const nb = c.busIds.length
  const nl = c.network.lines.length
  const nh = c.householdBus.length
  const toW = 3600 / o.intervalS
  const tanPhi = Math.tan(Math.acos(o.powerFactor))
  const pf = createPowerFlow(c, { tolerance: 1e-9 })
  const busW = new Float64Array(nb)
  const busVar = new Float64Array(nb)
  const d: GridDetail = {
    minVm: new Float32Array(o.T),
    maxVm: new Float32Array(o.T),
    maxCableLoadingPct: new Float32Array(o.T),
    transformerLoadingPct: new Float32Array(o.T),
    lossesWh: new Float32Array(o.T),
    lineMaxLoadingPct: new Float32Array(nl),
    busMinVm: new Float32Array(nb).fill(Number.POSITIVE_INFINITY),
    busMaxVm: new Float32Array(nb),
  }
  let violations = 0
  let under = 0
  let over = 0
  let cableOver = 0
  let trafoOver = 0
  let lossesWh = 0
  let throughWh = 0
  let notConverged = 0
  for (let k = 0; k < o.T; k++) {
    busW.fill(0)
    busVar.fill(0)
    for (let h = 0; h < nh; h++) {
      const w = inj.data[h * inj.stride + inj.base + k]! * toW
      const b = c.householdBus[h]!
      busW[b] = busW[b]! + w
      if (w > 0) busVar[b] = busVar[b]! + w * tanPhi
    }
    const r = pf.solve(busW, busVar)
    if (!r.converged) notConverged++
    let lo = Number.POSITIVE_INFINITY
    let hi = 0
    let outside = 0
    for (let b = 0; b < nb; b++) {
      const v = r.vm[b]!
      if (v < lo) lo = v
      if (v > hi) hi = v
      if (v < o.voltageBand.min || v > o.voltageBand.max) outside++
      if (v < d.busMinVm[b]!) d.busMinVm[b] = v
      if (v > d.busMaxVm[b]!) d.busMaxVm[b] = v
    }
    let maxLine = 0
    for (let l = 0; l < nl; l++) {
      const x = r.lineLoadingPct[l]!
      if (x > maxLine) maxLine = x
      if (x > d.lineMaxLoadingPct[l]!) d.lineMaxLoadingPct[l] = x
    }
    violations += outside
    if (lo < o.voltageBand.min) under++
    if (hi > o.voltageBand.max) over++
    if (maxLine > 100) cableOver++
    if (r.transformerLoadingPct > 100) trafoOver++
    const loss = r.lossesW / toW
    lossesWh += loss
    throughWh += Math.abs(r.slackW) / toW
    d.minVm[k] = lo
    d.maxVm[k] = hi
    d.maxCableLoadingPct[k] = maxLine
    d.transformerLoadingPct[k] = r.transformerLoadingPct
    d.lossesWh[k] = loss
  }
  const hours = o.intervalS / 3600
  const kpis: GridKpis = {
    voltageViolations: violations,
    undervoltageHours: under * hours,
    overvoltageHours: over * hours,
    cableOverloadHours: cableOver * hours,
    transformerOverloadHours: trafoOver * hours,
    lossesKwh: lossesWh / 1000,
    lossesPct: throughWh > 0 ? (lossesWh / throughWh) * 100 : 0,
    minVoltagePu: Math.min(...d.minVm),
    maxVoltagePu: Math.max(...d.maxVm),
    maxCableLoadingPct: Math.max(0, ...d.maxCableLoadingPct),
    maxTransformerLoadingPct: Math.max(0, ...d.transformerLoadingPct),
    notConverged,
  }
  return { kpis, detail: d }
}
