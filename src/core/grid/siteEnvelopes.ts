import type { CompiledNetwork } from './compileNetwork.js'
import type { ElementLimits } from './elementLimits.js'

/** Each household's forecast flow at its connection point for one interval, whole Wh, by household index. */
export interface SiteNeeds {
  readonly importWh: ArrayLike<number>
  readonly exportWh: ArrayLike<number>
}

/**
 * Each household's connection-point limit for one interval, whole Wh, by household index (order of
 * `network.households`). The arrays belong to the allocator and are overwritten by its next call.
 */
export interface SiteEnvelopes {
  readonly importWh: Int32Array
  readonly exportWh: Int32Array
}

export interface SiteEnvelopeAllocator {
  /** The site limits of one interval from the element limits and the households' forecast flows. */
  allocate(limits: ElementLimits, needs: SiteNeeds): SiteEnvelopes
}

/**
 * Derives per-household import and export limits (a site's dynamic operating envelope, as CSIP-AUS and §14a
 * EnWG give each connection point) from the limits of the network's elements, so that if every household keeps
 * within its own limit no element carries more than its limit in either direction.
 *
 * The rule, per direction, deterministic from data every node has (the element limits and each household's
 * forecast flow, e.g. its published orders of the interval):
 *
 * 1. **Fair share of what is needed, bottom-up.** Every element (each line, then the transformer), deepest first,
 *    looks at the current grants `g_i` of the households downstream of it (initially their forecast needs). If
 *    they sum to more than its limit `L`, it caps them at the water level `λ`: `g_i = min(g_i, λ)` with the largest
 *    whole `λ` such that the sum stays within `L` (max-min fairness: small needs are granted in full, large ones
 *    share the rest equally). A household's grant is thus the tightest cap on its path to the transformer.
 * 2. **Spare capacity, equal share.** Each element's unused limit `L - Σ g` is offered equally to its `n`
 *    downstream households (`floor(spare / n)` each); a household gets the smallest such offer on its path, on top
 *    of its grant, as a margin for forecast error.
 *
 * Hence for every element, the site limits downstream of it sum to at most its limit; the result depends only on
 * each household's need and connection point, not on the order of the households.
 *
 * @example
 * const envelopes = createSiteEnvelopes(c)
 * const { exportWh } = envelopes.allocate(ratingLimits(c, 1800), { importWh, exportWh: forecastExportWh })
 */
export function createSiteEnvelopes(c: CompiledNetwork): SiteEnvelopeAllocator {
  const nh = c.householdBus.length
  const lineCount = c.network.lines.length
  // Households downstream of each line: walk each household's path up to the busbar.
  const members: number[][] = Array.from({ length: lineCount }, () => [])
  for (let h = 0; h < nh; h++)
    for (let b = c.householdBus[h]!; b !== c.root; b = c.parent[b]!) members[c.parentLine[b]!]!.push(h)
  // Elements deepest first (reverse breadth-first order of the bus each line feeds), the transformer last.
  const elements: { line: number; households: Int32Array }[] = []
  for (let m = c.order.length - 1; m >= 1; m--) {
    const line = c.parentLine[c.order[m]!]!
    if (members[line]!.length > 0) elements.push({ line, households: Int32Array.from(members[line]!) })
  }
  elements.push({ line: -1, households: Int32Array.from({ length: nh }, (_, h) => h) })
  const grant = new Float64Array(nh)
  const extra = new Float64Array(nh)
  const scratch = new Float64Array(nh)
  const out: SiteEnvelopes = { importWh: new Int32Array(nh), exportWh: new Int32Array(nh) }

  function direction(limitOf: (line: number) => number, need: ArrayLike<number>, into: Int32Array): void {
    for (let h = 0; h < nh; h++) grant[h] = Math.max(0, Math.floor(need[h] ?? 0))
    for (const e of elements) capAt(e.households, Math.max(0, Math.floor(limitOf(e.line))))
    extra.fill(Number.POSITIVE_INFINITY)
    for (const e of elements) {
      const hs = e.households
      let used = 0
      for (let i = 0; i < hs.length; i++) used += grant[hs[i]!]!
      const share = Math.floor((Math.max(0, Math.floor(limitOf(e.line))) - used) / hs.length)
      for (let i = 0; i < hs.length; i++) if (share < extra[hs[i]!]!) extra[hs[i]!] = share
    }
    for (let h = 0; h < nh; h++) into[h] = grant[h]! + extra[h]!
  }

  /** Caps the grants of `hs` at the water level that makes them sum to at most `limit`. */
  function capAt(hs: Int32Array, limit: number): void {
    let sum = 0
    for (let i = 0; i < hs.length; i++) sum += grant[hs[i]!]!
    if (sum <= limit) return
    const v = scratch.subarray(0, hs.length)
    for (let i = 0; i < hs.length; i++) v[i] = grant[hs[i]!]!
    v.sort()
    let below = 0
    let level = 0
    for (let j = 0; j < v.length; j++) {
      const rest = v.length - j
      if (below + v[j]! * rest > limit) {
        level = Math.floor((limit - below) / rest)
        break
      }
      below += v[j]!
    }
    for (let i = 0; i < hs.length; i++) if (grant[hs[i]!]! > level) grant[hs[i]!] = level
  }

  return {
    allocate(limits, needs) {
      const of = (pick: 'importWh' | 'exportWh') => (line: number) =>
        line < 0 ? limits.transformer[pick] : limits.lines[line]![pick]
      direction(of('importWh'), needs.importWh, out.importWh)
      direction(of('exportWh'), needs.exportWh, out.exportWh)
      return out
    },
  }
}
