import type { CompiledNetwork } from './compileNetwork.js'
import type { ElementFlowLimit, ElementLimits } from './elementLimits.js'
import { createPowerFlow, toBusPowers } from './powerFlow.js'

export interface HostingOptions {
  readonly intervalS: number
  /** The voltage band to keep, pu. */
  readonly band: { readonly min: number; readonly max: number }
  /** Power factor of imported power (inductive); export at unity. Default 1. */
  readonly powerFactor?: number
}

/**
 * Voltage limits as flow limits: the largest power `x` that every household may export at once (and `y` it may
 * import) with every bus within `band`, found by bisection on the power flow; then each line may carry `x` (`y`)
 * times the households downstream of it, the transformer `x` (`y`) times all of them, per interval in whole Wh.
 * Under the linearised power flow (LinDistFlow: a bus's voltage rise is the sum over its path of `R * P + X * Q`)
 * any injections whose flows keep within these limits raise (lower) no voltage more than the uniform case does, so
 * site envelopes shared from them (`createSiteEnvelopes`) keep the band as well as the thermal limits. Computed
 * once per network: deterministic, from the network data alone.
 *
 * @example
 * const limits = tighterLimits(ratingLimits(c, 1800), hostingLimits(c, { intervalS: 1800, band: { min: 0.9, max: 1.1 } }))
 */
export function hostingLimits(c: CompiledNetwork, o: HostingOptions): ElementLimits {
  const nh = c.householdBus.length
  const nb = c.busIds.length
  const busW = new Float64Array(nb)
  const busVar = new Float64Array(nb)
  const tanPhi = Math.tan(Math.acos(o.powerFactor ?? 1))
  const perHome = (w: number) => new Float64Array(nh).fill(w)
  const within = (w: number): boolean => {
    toBusPowers(c, perHome(w), busW)
    toBusPowers(c, perHome(w > 0 ? w * tanPhi : 0), busVar)
    // A fresh solver each time: a collapsed (unconverged) solve must not seed the next one.
    const r = createPowerFlow(c, { tolerance: 1e-9 }).solve(busW, busVar)
    if (!r.converged) return false
    for (let b = 0; b < nb; b++) if (r.vm[b]! > o.band.max || r.vm[b]! < o.band.min) return false
    return true
  }
  // Upper bracket: far beyond any LV element's rating (the transformer's kVA on one household).
  const hi = c.network.transformer.ratingKva * 1000
  const exportW = largest((w) => within(-w), hi)
  const importW = largest(within, hi)
  const hours = o.intervalS / 3600
  const downstream = new Int32Array(c.network.lines.length)
  for (let h = 0; h < nh; h++)
    for (let b = c.householdBus[h]!; b !== c.root; b = c.parent[b]!) downstream[c.parentLine[b]!]!++
  const limit = (homes: number): ElementFlowLimit => ({
    importWh: Math.floor(importW * homes * hours),
    exportWh: Math.floor(exportW * homes * hours),
  })
  return { lines: Array.from(downstream, limit), transformer: limit(nh) }
}

/** The tighter of two sets of limits, element by element and direction by direction. */
export function tighterLimits(a: ElementLimits, b: ElementLimits): ElementLimits {
  const min = (x: ElementFlowLimit, y: ElementFlowLimit): ElementFlowLimit => ({
    importWh: Math.min(x.importWh, y.importWh),
    exportWh: Math.min(x.exportWh, y.exportWh),
  })
  return { lines: a.lines.map((l, i) => min(l, b.lines[i]!)), transformer: min(a.transformer, b.transformer) }
}

/** The largest w in [0, hi] with ok(w), to 1 W, assuming ok is monotone (true up to some w, then false). */
function largest(ok: (w: number) => boolean, hi: number): number {
  if (!ok(0)) return 0
  if (ok(hi)) return hi
  let lo = 0
  let up = hi
  while (up - lo > 1) {
    const mid = (lo + up) / 2
    if (ok(mid)) lo = mid
    else up = mid
  }
  return Math.floor(lo)
}
