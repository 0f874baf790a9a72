import {
  type CompiledNetwork,
  createSiteEnvelopes,
  type HostingOptions,
  hostingLimits,
  ratingLimits,
  tighterLimits,
  withEnvelope,
} from '../../src/core/grid/index.js'
import type { GridClearing } from '../../src/core/market/index.js'
import type { OrderPlan } from '../fast/plan.js'

/**
 * Every household's site envelope for every interval of a run, and the forecast it was derived from, whole Wh,
 * `[h * T + k]` (household h = network household "h").
 */
export interface SiteLimits {
  readonly importWh: Int32Array
  readonly exportWh: Int32Array
  /** The forecast flows the allocation shared the limits by: the household's published buy / sell quantity. */
  readonly forecastImportWh: Int32Array
  readonly forecastExportWh: Int32Array
}

/**
 * The site envelopes of a capacity-aware run: per interval, the element limits (every cable at its rating, the
 * feeder heads and the transformer at the limits the clearing uses — `clearing`, i.e. what a signed operating
 * envelope would set) shared among the households by `createSiteEnvelopes`, each household's forecast flow being
 * what its orders of the interval offer (sum of its bids' and of its asks' quantities; none for an equivocating
 * or offline household). With `hosting`, each element's limit is the tighter of that and its hosting capacity
 * (`hostingLimits`), so the envelopes keep the voltage band too. All of it is data every node has at gate closure, so every node derives the same
 * envelopes.
 *
 * @example
 * const limits = siteLimits(cn, clearing.limits, planOrders(s, c), c.T, c.intervalS)
 */
export function siteLimits(
  cn: CompiledNetwork,
  clearing: GridClearing['limits'],
  plan: OrderPlan,
  T: number,
  intervalS: number,
  hosting?: Omit<HostingOptions, 'intervalS'>,
): SiteLimits {
  const n = cn.householdBus.length
  const thermal = withEnvelope(cn, ratingLimits(cn, intervalS), clearing)
  const limits = hosting === undefined ? thermal : tighterLimits(thermal, hostingLimits(cn, { ...hosting, intervalS }))
  const allocator = createSiteEnvelopes(cn)
  const out: SiteLimits = {
    importWh: new Int32Array(n * T),
    exportWh: new Int32Array(n * T),
    forecastImportWh: new Int32Array(n * T),
    forecastExportWh: new Int32Array(n * T),
  }
  const imp = new Int32Array(n)
  const exp = new Int32Array(n)
  for (let k = 0; k < T; k++) {
    imp.fill(0)
    exp.fill(0)
    for (let h = 0; h < n; h++) {
      if (plan.equivocate[h * T + k] === 1) continue
      for (let i = plan.start[h * T + k]!; i < plan.start[h * T + k + 1]!; i++)
        if (plan.side[i] === 0) imp[h] = imp[h]! + plan.qty[i]!
        else exp[h] = exp[h]! + plan.qty[i]!
    }
    const r = allocator.allocate(limits, { importWh: imp, exportWh: exp })
    for (let h = 0; h < n; h++) {
      out.importWh[h * T + k] = r.importWh[h]!
      out.exportWh[h * T + k] = r.exportWh[h]!
      out.forecastImportWh[h * T + k] = imp[h]!
      out.forecastExportWh[h * T + k] = exp[h]!
    }
  }
  return out
}
