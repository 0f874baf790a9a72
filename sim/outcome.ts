import { type Hex, hexToBytes, keccak256 } from 'viem'
import type { GridOutcome } from './grid/gridImpact.js'
import type { Community } from './households/assemble.js'

/** One trade as written to trades.csv. */
export interface TradeRow {
  /** Period interval index (0 = first interval of the period). */
  readonly k: number
  readonly buyer: number
  readonly seller: number
  readonly quantityWh: number
  readonly price: number
  readonly amount: number
  readonly buyId: Hex
  readonly sellId: Hex
}

/** Network-mode measurements (absent in fast mode). */
export interface NetworkStats {
  readonly nodes: number
  /** Orders the households published on gossip. */
  readonly messagesPublished: number
  /** Gossip messages (orders, digests, results) the nodes received and validated, summed over nodes. */
  readonly messagesReceived: number
  readonly bytesSent: number
  /** Share of (node, interval) results that agreed on the interval's majority root. */
  readonly agreementRate: number
  /** (node, interval) results that did not agree, by reason (NO_QUORUM, DISAGREE, NO_RESULT). */
  readonly disagreements: Readonly<Record<string, number>>
  /** Intervals with trades whose settlement batch is on chain (`isSettled`). */
  readonly settledIntervals: number
  readonly intervalsWithTrades: number
  readonly settlementFailures: readonly string[]
  readonly gasUsed: string
  /**
   * Meter reads that failed; intervals whose energy read over Modbus differed from the replayed data (mismatches)
   * or could not be measured (missing: a failed or ambiguous read).
   */
  readonly meterReadErrors: number
  /** Orders a node refused to publish (late, invalid), by error code. */
  readonly orderRefusals: Readonly<Record<string, number>>
  readonly meterMismatches: number
  readonly meterMissing: number
  readonly wallSeconds: number
  /** Real seconds simulated time stood still because a node host was not responsive (a busy machine). */
  readonly clockHeldSeconds: number
  /** Barriers the runner gave up holding (a node that did not catch up within its budget). */
  readonly barriersReleased: number
}

/**
 * What a market run produced, whichever mode ran it: per interval the clearing result, per household and interval
 * the energy bought and sold on the market, per household the money paid and received.
 */
export interface MarketOutcome {
  readonly mode: 'fast' | 'network'
  readonly rule: string
  /** Clearing price per interval (token units per kWh), NaN when the interval had no trade. */
  readonly price: Float64Array
  readonly volumeWh: Float64Array
  readonly tradeCount: Int32Array
  /** Result root per interval. */
  readonly roots: readonly Hex[]
  /** Energy bought / sold on the market, Wh, `[h * T + k]`. */
  readonly boughtWh: Int32Array
  readonly soldWh: Int32Array
  /** Money paid / received on the market per household, token units (exact integers below 2^53). */
  readonly paid: Float64Array
  readonly received: Float64Array
  /** Every trade, when the scenario's output asks for them. */
  readonly trades: readonly TradeRow[] | undefined
  readonly network?: NetworkStats
  /**
   * Metered net energy per household and interval, Wh, `[h * T + k]`: in fast mode when the market run changed what
   * the meters see (a strategy that moves flexible loads into cheap or sunny hours, a capacity-aware dispatch); in
   * network mode what the nodes read over Modbus (the replayed value where a node could not read). Absent: the
   * meters are the community's replayed series (`Community.net`), as without a market.
   */
  readonly deliveredWh?: Int32Array
  /** The power flow of the run (when the scenario has a `network:` section): sim/grid/attachGrid.ts. */
  readonly grid?: GridOutcome
}

/** An empty outcome to be filled by a runner. */
export function emptyOutcome(c: Community, mode: 'fast' | 'network', rule: string, keepTrades: boolean) {
  return {
    mode,
    rule,
    price: new Float64Array(c.T).fill(Number.NaN),
    volumeWh: new Float64Array(c.T),
    tradeCount: new Int32Array(c.T),
    roots: new Array<Hex>(c.T),
    boughtWh: new Int32Array(c.n * c.T),
    soldWh: new Int32Array(c.n * c.T),
    paid: new Float64Array(c.n),
    received: new Float64Array(c.n),
    trades: keepTrades ? ([] as TradeRow[]) : undefined,
  }
}

/**
 * One root for the whole run: keccak256 over the interval roots in order. Two runs that agree on it produced the
 * same trades in every interval.
 */
export function runRoot(roots: readonly Hex[]): Hex {
  const buf = new Uint8Array(roots.length * 32)
  for (let k = 0; k < roots.length; k++) buf.set(hexToBytes(roots[k] as Hex), k * 32)
  return keccak256(buf)
}
