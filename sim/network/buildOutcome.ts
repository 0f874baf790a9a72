import type { Address, Hex } from 'viem'
import { attachGrid } from '../grid/attachGrid.js'
import type { Community } from '../households/assemble.js'
import { emptyOutcome, type MarketOutcome } from '../outcome.js'
import type { Scenario } from '../scenario/schema.js'
import { type HostStats, MISSING, type NodeResult } from './protocol.js'
import type { ChainSettlement } from './watchSettlement.js'

/** Real-time figures of a network run. */
export interface WallTimes {
  readonly seconds: number
  readonly heldSeconds: number
  readonly released: number
}

/**
 * The `MarketOutcome` of a network run, in fast mode's shape: per interval the root most nodes agreed on and the
 * trades of that result, the nodes' agreement, what the chain settled, the meters as the nodes read them and, when
 * the scenario has a `network:` section, the power flow of what the nodes metered (the same sim/grid functions fast
 * mode calls).
 *
 * @example
 * const outcome = buildOutcome(s, community, accounts, results, stats, chain, wall)
 */
export function buildOutcome(
  s: Scenario,
  c: Community,
  accounts: readonly Address[],
  results: readonly NodeResult[][],
  stats: readonly HostStats[],
  chain: ChainSettlement,
  wall: WallTimes,
): MarketOutcome {
  const o = emptyOutcome(c, 'network', s.market.rule, s.output.trades === 'all')
  const index = new Map(accounts.map((a, h) => [a.toLowerCase(), h]))
  let agreeing = 0
  const disagreements: Record<string, number> = {}
  let intervalsWithTrades = 0
  for (let k = 0; k < c.T; k++) {
    const rs = results[k] ?? []
    const root = majorityRoot(rs)
    o.roots[k] = root
    agreeing += rs.filter((r) => r.agreed && r.root === root).length
    for (const r of rs) {
      if (!r.agreed) disagreements[r.reason ?? 'UNKNOWN'] = (disagreements[r.reason ?? 'UNKNOWN'] ?? 0) + 1
    }
    const missing = c.n - rs.length
    if (missing > 0) disagreements.NO_RESULT = (disagreements.NO_RESULT ?? 0) + missing
    const full = rs.find((r) => r.full && r.root === root)?.full
    if (!full) continue
    addTrades(o, c, index, k, full)
    if (full.trades.length > 0) intervalsWithTrades++
  }
  const metered = meteredWh(c, stats)
  const outcome: MarketOutcome = {
    ...o,
    network: {
      nodes: c.n,
      messagesPublished: stats.reduce((a, x) => a + x.ordersPublished, 0),
      messagesReceived: stats.reduce((a, x) => a + x.messagesValidated, 0),
      bytesSent: stats.reduce((a, x) => a + x.bytesSent, 0),
      agreementRate: agreeing / (c.n * c.T),
      disagreements,
      settledIntervals: chain.settled,
      intervalsWithTrades,
      settlementFailures: chain.failures,
      gasUsed: chain.gasUsed.toString(),
      meterReadErrors: stats.reduce((a, x) => a + x.meterErrors, 0),
      orderRefusals: sumCounts(stats.map((x) => x.submitFailures)),
      meterMismatches: metered.mismatches,
      meterMissing: metered.missing,
      wallSeconds: wall.seconds,
      clockHeldSeconds: wall.heldSeconds,
      barriersReleased: wall.released,
    },
  }
  return attachGrid(s, c, { ...outcome, deliveredWh: metered.wh })
}

/** The root most nodes agreed on (the first node's root when none agreed). */
function majorityRoot(rs: readonly NodeResult[]): Hex {
  const votes = new Map<Hex, number>()
  for (const r of rs) if (r.agreed) votes.set(r.root, (votes.get(r.root) ?? 0) + 1)
  const [root] = [...votes].sort((a, b) => b[1] - a[1])[0] ?? [rs[0]?.root ?? '0x']
  return root as Hex
}

function addTrades(
  o: ReturnType<typeof emptyOutcome>,
  c: Community,
  index: ReadonlyMap<string, number>,
  k: number,
  full: NonNullable<NodeResult['full']>,
): void {
  let volume = 0
  let value = 0
  for (const t of full.trades) {
    const b = index.get(t.buyer.toLowerCase()) as number
    const sl = index.get(t.seller.toLowerCase()) as number
    const q = Number(t.quantityWh)
    const amount = Number(t.amount)
    o.boughtWh[b * c.T + k] = (o.boughtWh[b * c.T + k] as number) + q
    o.soldWh[sl * c.T + k] = (o.soldWh[sl * c.T + k] as number) + q
    o.paid[b] = (o.paid[b] as number) + amount
    o.received[sl] = (o.received[sl] as number) + amount
    volume += q
    value += q * Number(t.price)
    o.trades?.push({
      k,
      buyer: b,
      seller: sl,
      quantityWh: q,
      price: Number(t.price),
      amount,
      buyId: t.buyId,
      sellId: t.sellId,
    })
  }
  o.volumeWh[k] = volume
  o.tradeCount[k] = full.trades.length
  o.price[k] = full.clearingPrice !== undefined ? Number(full.clearingPrice) : volume > 0 ? value / volume : Number.NaN
}

/**
 * Metered net per household and interval, `[h * T + k]`, as the nodes read it over Modbus; how many intervals
 * differ from the replayed data (mismatches) and how many a node could not measure (missing). A missing interval
 * keeps the replayed value: the energy flowed through the grid all the same, only the node did not read it.
 */
function meteredWh(c: Community, stats: readonly HostStats[]) {
  const wh = new Int32Array(c.n * c.T)
  for (let h = 0; h < c.n; h++) wh.set(c.net.subarray(h * c.stride + c.warmup, (h + 1) * c.stride), h * c.T)
  let mismatches = 0
  let missing = 0
  for (const st of stats) {
    for (const m of st.measured) {
      for (let k = 0; k < c.T; k++) {
        const v = m.netWh[k] as number
        if (v === MISSING) missing++
        else {
          if (v !== wh[m.h * c.T + k]) mismatches++
          wh[m.h * c.T + k] = v
        }
      }
    }
  }
  return { wh, mismatches, missing }
}

function sumCounts(xs: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const x of xs) for (const [k, v] of Object.entries(x)) out[k] = (out[k] ?? 0) + v
  return out
}
