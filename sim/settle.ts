import { settleImbalance } from '../src/core/strategy/settleImbalance.js'
import type { Community } from './households/assemble.js'
import type { MarketOutcome } from './outcome.js'
import { runRoot } from './outcome.js'

/** The core's imbalance rule for one household-interval: what the grid bills for metered - contracted. */
function grid(contractedWh: number, meteredWh: number, retail: number, feedIn: number) {
  return settleImbalance({
    contractedWh: BigInt(contractedWh),
    meteredWh: BigInt(meteredWh),
    tariff: { retailPrice: BigInt(retail), feedInPrice: BigInt(feedIn) },
  })
}

/** One household's bill over the period: market trades plus the imbalance settled with the retailer. */
export interface Bill {
  readonly household: number
  readonly sourceId: string
  readonly kWp: number
  readonly batteryWh: number
  readonly loadWh: number
  readonly pvWh: number
  readonly boughtWh: number
  readonly soldWh: number
  readonly paid: number
  readonly received: number
  /** Deviation from the market position bought from / sold to the grid. */
  readonly gridImportWh: number
  readonly gridExportWh: number
  readonly gridCost: number
  readonly gridRevenue: number
  /** paid - received + gridCost - gridRevenue. */
  readonly total: number
  /** The same household's bill without a local market: all import at retail, all export at feed-in. */
  readonly gridOnly: number
}

/** The KPI summary of a run (kpi.json). Money in token units, energy in kWh unless the name says otherwise. */
export interface Kpis {
  readonly scenario: string
  readonly mode: string
  readonly rule: string
  readonly households: number
  readonly intervals: number
  readonly householdIntervals: number
  readonly communityCost: number
  readonly gridOnlyCost: number
  readonly savings: number
  readonly savingsPct: number
  /** Cost of the community if every Wh of local surplus met local demand (perfect foresight, pooled). */
  readonly optimumCost: number
  /** (gridOnly - community) / (gridOnly - optimum): share of the achievable gain the market realised. */
  readonly marketEfficiency: number
  /** 1 - community net import / community consumption. */
  readonly selfSufficiency: number
  /** 1 - community net export / community PV generation. */
  readonly selfConsumption: number
  readonly peakGridImportKw: number
  readonly loadKwh: number
  readonly pvKwh: number
  readonly tradedKwh: number
  readonly trades: number
  readonly intervalsWithTrades: number
  readonly price: {
    readonly min: number
    readonly max: number
    readonly mean: number
    readonly median: number
    readonly volumeWeighted: number
  }
  /** keccak256 over all interval result roots: equal across modes for the same scenario and seed. */
  readonly runRoot: string
  readonly network?: MarketOutcome['network']
}

/** Bills per household and the KPI summary of a run. */
export function settle(scenarioName: string, c: Community, o: MarketOutcome): { bills: Bill[]; kpis: Kpis } {
  const { n, T, warmup, stride } = c
  const bills: Bill[] = []
  const communityNet = new Float64Array(T)
  let loadWh = 0
  let pvWh = 0
  for (let h = 0; h < n; h++) {
    let hl = 0
    let hp = 0
    let bought = 0
    let sold = 0
    let imp = 0
    let exp = 0
    let cost = 0n
    let rev = 0n
    let gridOnly = 0n
    for (let k = 0; k < T; k++) {
      const j = h * stride + warmup + k
      const actual = c.net[j] as number
      hl += c.load[j] as number
      hp += c.pv[j] as number
      communityNet[k] = (communityNet[k] as number) + actual
      const b = o.boughtWh[h * T + k] as number
      const s = o.soldWh[h * T + k] as number
      bought += b
      sold += s
      const retail = c.retail[k] as number
      const feedIn = c.feedIn[k] as number
      const imb = grid(b - s, actual, retail, feedIn)
      imp += Number(imb.fromGridWh)
      exp += Number(imb.toGridWh)
      if (imb.cost > 0n) cost += imb.cost
      else rev -= imb.cost
      gridOnly += grid(0, actual, retail, feedIn).cost
    }
    loadWh += hl
    pvWh += hp
    const info = c.households[h]
    bills.push({
      household: h,
      sourceId: info?.sourceId ?? '',
      kWp: info?.kWp ?? 0,
      batteryWh: info?.batteryWh ?? 0,
      loadWh: hl,
      pvWh: hp,
      boughtWh: bought,
      soldWh: sold,
      paid: o.paid[h] as number,
      received: o.received[h] as number,
      gridImportWh: imp,
      gridExportWh: exp,
      gridCost: Number(cost),
      gridRevenue: Number(rev),
      total: (o.paid[h] as number) - (o.received[h] as number) + Number(cost - rev),
      gridOnly: Number(gridOnly),
    })
  }
  let optimum = 0n
  let netImport = 0
  let netExport = 0
  let peak = 0
  for (let k = 0; k < T; k++) {
    const x = communityNet[k] as number
    optimum += grid(0, x, c.retail[k] as number, c.feedIn[k] as number).cost
    if (x > 0) {
      netImport += x
      peak = Math.max(peak, x)
    } else netExport -= x
  }
  const communityCost = sum(bills.map((b) => b.total))
  const gridOnlyCost = sum(bills.map((b) => b.gridOnly))
  const achievable = gridOnlyCost - Number(optimum)
  const kpis: Kpis = {
    scenario: scenarioName,
    mode: o.mode,
    rule: o.rule,
    households: n,
    intervals: T,
    householdIntervals: n * T,
    communityCost,
    gridOnlyCost,
    savings: gridOnlyCost - communityCost,
    savingsPct: ratio(gridOnlyCost - communityCost, gridOnlyCost) * 100,
    optimumCost: Number(optimum),
    marketEfficiency: achievable > 0 ? (gridOnlyCost - communityCost) / achievable : 1,
    selfSufficiency: 1 - ratio(netImport, loadWh),
    selfConsumption: pvWh > 0 ? 1 - netExport / pvWh : 0,
    peakGridImportKw: peak / (c.intervalS / 3600) / 1000,
    loadKwh: loadWh / 1000,
    pvKwh: pvWh / 1000,
    tradedKwh: sum(o.volumeWh) / 1000,
    trades: sum(o.tradeCount),
    intervalsWithTrades: o.tradeCount.filter((x) => x > 0).length,
    price: priceStats(o),
    runRoot: runRoot(o.roots),
    ...(o.network ? { network: o.network } : {}),
  }
  return { bills, kpis }
}

function sum(xs: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < xs.length; i++) s += xs[i] as number
  return s
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b)

function priceStats(o: MarketOutcome): Kpis['price'] {
  const ps: number[] = []
  let pv = 0
  let v = 0
  for (let k = 0; k < o.price.length; k++) {
    const p = o.price[k] as number
    if (Number.isNaN(p)) continue
    ps.push(p)
    pv += p * (o.volumeWh[k] as number)
    v += o.volumeWh[k] as number
  }
  if (ps.length === 0) return { min: 0, max: 0, mean: 0, median: 0, volumeWeighted: 0 }
  ps.sort((a, b) => a - b)
  return {
    min: ps[0] as number,
    max: ps[ps.length - 1] as number,
    mean: sum(ps) / ps.length,
    median: ps[Math.floor(ps.length / 2)] as number,
    volumeWeighted: v > 0 ? pv / v : 0,
  }
}
