import { type Address, bytesToHex, type Hex, keccak256, stringToBytes } from 'viem'
import { type HDKey, mnemonicToAccount, privateKeyToAddress } from 'viem/accounts'
import { ANVIL_TEST_MNEMONIC } from '../../src/chain/devAccounts.js'
import { type PreparedDomain, prepareDomain } from '../../src/core/order/eip712.js'
import { SETTLEMENT_WINDOW_S } from '../../src/core/order/orderPolicy.js'
import type { Order } from '../../src/core/order/types.js'
import type { Scenario } from '../scenario/schema.js'

/**
 * Address the settlement contract gets on a fresh local chain: `startDevChain` deploys the test token (nonce 0)
 * and then the settlement contract (nonce 1) from anvil's first dev account.
 * Fast mode signs nothing but hashes orders under this domain; network mode checks its contract landed here, so
 * both modes compute the same order ids.
 */
export const SIM_SETTLEMENT_ADDRESS: Address = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512'

/** Everything both modes need to turn a household's decision into the same signed-order fields. */
export interface MarketContext {
  readonly domain: PreparedDomain
  /** Market id: keccak256 of the scenario's market name. */
  readonly market: Hex
  readonly intervalS: number
  readonly firstInterval: number
  /** Household accounts, index = household. */
  readonly accounts: readonly Address[]
}

/**
 * Development private keys of the households: anvil's test-mnemonic accounts 1..n (account 0 is the operator), the
 * ones `startDevChain({ households: n })` registers and funds. A run is reproducible, and the keys are obviously not
 * for real money.
 */
export function householdKeys(n: number): Hex[] {
  // devKeys' path m/44'/60'/0'/0/i, with the common parent derived once (300 households: ms, not seconds).
  const master = mnemonicToAccount(ANVIL_TEST_MNEMONIC, { path: 'm' } as never).getHdKey() as HDKey
  const parent = master.derive("m/44'/60'/0'/0")
  return Array.from({ length: n }, (_, h) => bytesToHex(parent.deriveChild(h + 1).privateKey!))
}

/** @example const ctx = marketContext(scenario, firstInterval, SIM_SETTLEMENT_ADDRESS) */
export function marketContext(
  s: Scenario,
  firstInterval: number,
  verifyingContract: Address = SIM_SETTLEMENT_ADDRESS,
  accounts?: readonly Address[],
): MarketContext {
  return {
    domain: prepareDomain({ name: 'gridlet', version: '1', chainId: s.market.chainId, verifyingContract }),
    market: keccak256(stringToBytes(s.market.name)),
    intervalS: s.intervalMinutes * 60,
    firstInterval,
    accounts: accounts ?? householdKeys(s.households.count).map((k) => privateKeyToAddress(k)),
  }
}

/**
 * The order household `h` signs for period interval `k`: `nonce` is the order's place among the household's
 * orders of that interval (a bid curve has several), expiry the core order policy's settlement window after the
 * interval ends (as the node signs it).
 */
export function orderFor(
  ctx: MarketContext,
  h: number,
  k: number,
  side: 0 | 1,
  quantityWh: number,
  limit: number,
  nonce: number,
): Order {
  const interval = BigInt(ctx.firstInterval + k)
  return {
    market: ctx.market,
    interval,
    side,
    quantityWh: BigInt(quantityWh),
    limitPrice: BigInt(limit),
    account: ctx.accounts[h] as Address,
    nonce: BigInt(nonce),
    expiry: (interval + 1n) * BigInt(ctx.intervalS) + SETTLEMENT_WINDOW_S,
  }
}
