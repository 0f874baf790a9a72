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
  const nb = c.busIds.length
  const lineCount = c.network.lines.length
  // Households downstream of each line (walking each household's path up to the busbar), and at each bus.
  const members: number[][] = Array.from({ length: lineCount }, () => [])
  const atBus: number[][] = Array.from({ length: nb }, () => [])
  for (let h = 0; h < nh; h++) {
    atBus[c.householdBus[h]!]!.push(h)
    for (let b = c.householdBus[h]!; b !== c.root; b = c.parent[b]!) members[c.parentLine[b]!]!.push(h)
  }
  const downstream = members.map((m) => Int32Array.from(m))
  const all = Int32Array.from({ length: nh }, (_, h) => h)
  const grant = new Float64Array(nh)
  const sum = new Float64Array(nb)
  const share = new Float64Array(nb)
  const scratch = new Float64Array(nh)
  const out: SiteEnvelopes = { importWh: new Int32Array(nh), exportWh: new Int32Array(nh) }
  const ownSum = (b: number) => atBus[b]!.reduce((a, h) => a + grant[h]!, 0)

  // Subtree sums leaves to root (reverse breadth-first order), so each pass is O(buses + households) and only a
  // binding element walks its members; spare offers root to leaves, each bus taking the smallest on its path.
  function direction(limitOf: (line: number) => number, need: ArrayLike<number>, into: Int32Array): void {
    for (let h = 0; h < nh; h++) grant[h] = Math.max(0, Math.floor(need[h] ?? 0))
    const limit = (line: number) => Math.max(0, Math.floor(limitOf(line)))
    sum.fill(0)
    for (let m = nb - 1; m >= 1; m--) {
      const b = c.order[m]!
      const line = c.parentLine[b]!
      let s = sum[b]! + ownSum(b)
      if (s > limit(line)) s = capAt(downstream[line]!, limit(line))
      sum[c.parent[b]!] = sum[c.parent[b]!]! + s
    }
    if (sum[c.root]! + ownSum(c.root) > limit(-1)) capAt(all, limit(-1))
    // Final use of each element, again leaves to root, then the spare offers.
    sum.fill(0)
    for (let m = nb - 1; m >= 0; m--) {
      const b = c.order[m]!
      sum[b] = sum[b]! + ownSum(b)
      if (m > 0) sum[c.parent[b]!] = sum[c.parent[b]!]! + sum[b]!
    }
    share[c.root] = Math.floor((limit(-1) - sum[c.root]!) / nh)
    for (let m = 1; m < nb; m++) {
      const b = c.order[m]!
      const line = c.parentLine[b]!
      const n = downstream[line]!.length
      const own = n === 0 ? Number.POSITIVE_INFINITY : Math.floor((limit(line) - sum[b]!) / n)
      share[b] = Math.min(share[c.parent[b]!]!, own)
    }
    for (let h = 0; h < nh; h++) into[h] = grant[h]! + share[c.householdBus[h]!]!
  }

  /** Caps the grants of `hs` at the water level that makes them sum to at most `limit`; returns their new sum. */
  function capAt(hs: Int32Array, limit: number): number {
    const v = scratch.subarray(0, hs.length)
    for (let i = 0; i < hs.length; i++) v[i] = grant[hs[i]!]!
    v.sort()
    let below = 0
    let level = Number.POSITIVE_INFINITY
    for (let j = 0; j < v.length; j++) {
      const rest = v.length - j
      if (below + v[j]! * rest > limit) {
        level = Math.floor((limit - below) / rest)
        break
      }
      below += v[j]!
    }
    let total = 0
    for (let i = 0; i < hs.length; i++) {
      if (grant[hs[i]!]! > level) grant[hs[i]!] = level
      total += grant[hs[i]!]!
    }
    return total
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
