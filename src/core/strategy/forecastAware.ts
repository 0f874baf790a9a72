import { toIntent } from './truthful.js'
import type { BatteryState, OrderIntent, Strategy, StrategyContext } from './types.js'

/** z of the 90% quantile of a standard normal: the p10/p90 forecasts sit at -/+ this many sigmas. */
const Z90 = 1.2815515655446004

/**
 * The forecast-aware strategy.
 * 1. Plans the battery on the median net load: charge from expected surplus, discharge into expected deficit
 *    (self-consumption, which with a neighbourhood's shared PV shape moves midday surplus to the evening).
 * 2. Sizes each interval's position as a newsvendor: with expected clearing price p between feed-in f and retail
 *    r, a Wh bought beyond need is worth f and a Wh short costs r, so the best position is the net-load quantile
 *    at level (r - p) / (r - f) (for a seller the same level of the net load: the surplus quantile at
 *    (p - f) / (r - f)). Where the market clears at feed-in (a sunny noon) it buys generously and sells
 *    cautiously; where it clears at retail (the evening peak) the reverse. The net-load quantile combines the load
 *    and PV quantiles as independent, with separate spreads above and below the median, within the 10..90% band.
 *    `levelWeight` (default 1/2) shrinks the level towards the median: 0.5 + w (level - 0.5). At full weight the
 *    levels sit at the clamps (k-DA mostly clears at f or r), and buyers shrinking to p10 at the evening peak cut
 *    the volume the community nets; 1/2 measured best on real data (docs/forecasting.md).
 * 3. Bids at reservation prices (buy at retail, sell at feed-in), like the baseline.
 * Deterministic: no randomness.
 */
export function forecastAware(opts: { readonly levelWeight?: number } = {}): Strategy {
  const w = opts.levelWeight ?? 0.5
  return {
    name: 'forecast-aware',
    plan(ctx: StrategyContext): OrderIntent[] {
      const n = ctx.load.p50.length
      const flows = planBattery(ctx, n)
      const out: OrderIntent[] = []
      for (let j = 0; j < n; j++) {
        const net = netQuantile(ctx, j, 0.5 + w * (level(ctx, j) - 0.5)) + flows[j]!
        const intent = toIntent(ctx, j, net)
        if (intent) out.push(intent)
      }
      return out
    },
  }
}

/** The newsvendor level (r - p) / (r - f), clamped to the forecast's 10..90% band. */
function level(ctx: StrategyContext, j: number): number {
  const t = ctx.tariffs[j] ?? ctx.tariffs[ctx.tariffs.length - 1]!
  const r = Number(t.retailPrice)
  const f = Number(t.feedInPrice)
  if (r <= f) return 0.5
  const p = ctx.expectedPrice?.[j] === undefined ? (r + f) / 2 : Number(ctx.expectedPrice[j])
  return Math.min(0.9, Math.max(0.1, (r - p) / (r - f)))
}

/** Net load (load - PV) quantile at `tau` in [0.1, 0.9], Wh. */
export function netQuantile(ctx: StrategyContext, j: number, tau: number): number {
  const { load, pv } = ctx
  const m = load.p50[j]! - (pv?.p50[j] ?? 0)
  const z = inverseNormal(tau) / Z90
  if (z === 0) return m
  const lu = load.p90[j]! - load.p50[j]!
  const ld = load.p50[j]! - load.p10[j]!
  const pu = pv ? pv.p90[j]! - pv.p50[j]! : 0
  const pd = pv ? pv.p50[j]! - pv.p10[j]! : 0
  return z > 0 ? m + z * Math.hypot(lu, pd) : m + z * Math.hypot(ld, pu)
}

/** Planned battery flow per interval (Wh at the terminals, + charge) from greedy self-consumption on the medians. */
function planBattery(ctx: StrategyContext, n: number): Float64Array {
  const flows = new Float64Array(n)
  let b: BatteryState | undefined = ctx.battery
  if (!b) return flows
  const maxFlow = Math.floor((b.powerW * ctx.intervalS) / 3600)
  for (let j = 0; j < n; j++) {
    const net = Math.round(ctx.load.p50[j]! - (ctx.pv?.p50[j] ?? 0))
    let flow: number
    if (net < 0) flow = Math.min(-net, maxFlow, Math.max(0, Math.floor((b.capacityWh - b.socWh) / b.efficiency)))
    else flow = -Math.min(net, maxFlow, Math.floor(b.socWh))
    flows[j] = flow
    b = { ...b, socWh: flow >= 0 ? b.socWh + flow * b.efficiency : b.socWh + flow }
  }
  return flows
}

/** Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9), for p in (0, 1). */
export function inverseNormal(p: number): number {
  if (p === 0.5) return 0
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ]
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572]
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ]
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416]
  const tail = (q: number) =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
    ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)))
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)))
  const q = p - 0.5
  const r = q * q
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  )
}
