import type { Address, Hex } from 'viem'
import type { GridLevel } from './grid.js'

/** Market rules selectable by name. `k-da` is the default. */
export const CLEARING_RULES = ['k-da', 'pay-as-bid', 'sdr', 'mmr'] as const
export type ClearingRule = (typeof CLEARING_RULES)[number]

/** Wire/root code of each rule. */
export const RULE_CODE: Record<ClearingRule, number> = { 'k-da': 0, 'pay-as-bid': 1, sdr: 2, mmr: 3 }

export interface ClearingParams {
  readonly rule: ClearingRule
  /** The interval being cleared; orders for other intervals are ignored. */
  readonly interval: bigint
  /** k of the k-double auction as a fraction num/den in [0, 1]: price = lo + k (hi - lo). Default 1/2. */
  readonly k?: { readonly num: bigint; readonly den: bigint }
  /** Grid retail (import) price, token units per kWh. SDR and MMR are bounded by it. */
  readonly retailPrice: bigint
  /** Grid feed-in (export) price, token units per kWh. */
  readonly feedInPrice: bigint
}

/**
 * One bilateral fill. `amount` = floor(quantityWh * price / 1000) token units, paid by buyer to seller. With grid
 * input (see grid.ts) the buyer also pays `fee` = quantityWh * feePerWh[level] to the market's fee recipient.
 */
export interface Trade {
  readonly buyId: Hex
  readonly sellId: Hex
  readonly buyer: Address
  readonly seller: Address
  readonly quantityWh: bigint
  readonly price: bigint
  readonly amount: bigint
  /** Grid clearing only: the network level the energy crosses (0 same feeder, 1 same transformer, 2 upstream). */
  readonly level?: GridLevel
  /** Grid clearing only: the network fee, token units, paid by the buyer on top of `amount`. */
  readonly fee?: bigint
}

/** What every honest node computes for an interval from the same order set. */
export interface MatchResult {
  readonly interval: bigint
  readonly rule: ClearingRule
  /** The single price of uniform-price rules; undefined for pay-as-bid or when nothing traded. */
  readonly clearingPrice: bigint | undefined
  readonly volumeWh: bigint
  /** Trades in canonical order (see docs/protocol.md). */
  readonly trades: readonly Trade[]
  /** Grid clearing only: who is paid the trades' fees. Its presence selects the v2 result root. */
  readonly feeRecipient?: Address
}

export interface ClearingResult extends MatchResult {
  /** keccak256 of the canonical encoding of the result: equal roots = equal results. */
  readonly root: Hex
}
