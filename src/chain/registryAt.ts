import { type Address, getAddress } from 'viem'
import type { SettlementTiming } from './deployMarket.js'

/** One change of the contract's household registry, from its event, with the block time it happened at. */
export type RegistryChange = {
  readonly blockNumber: bigint
  readonly logIndex: number
  /** Block timestamp of the event, unix seconds. */
  readonly timestampS: bigint
} & (
  | { readonly kind: 'register' | 'remove'; readonly account: Address }
  | { readonly kind: 'rotate'; readonly oldAccount: Address; readonly newAccount: Address }
)

/**
 * The first interval whose registry includes a change made at block time `timestampS`: the contract's
 * `registryBoundary`, floor((t + gateClosure) / intervalLength) + 2, i.e. the interval after the next one whose book
 * is still open. Every node maps the same event to the same interval, at least one interval length ahead, so each
 * sees it before that book closes; the contract keeps a removed household payable for the intervals before.
 *
 * @example
 * registryBoundary(1_800_000_000n, { intervalLength: 900, gateClosure: 60 }) // 2_000_002n
 */
export function registryBoundary(
  timestampS: bigint,
  timing: Pick<SettlementTiming, 'intervalLength' | 'gateClosure'>,
): bigint {
  return (timestampS + BigInt(timing.gateClosure)) / BigInt(timing.intervalLength) + 2n
}

/**
 * The households registered for `interval` (checksummed): the registry changes whose boundary is at or before it,
 * applied in chain order. The same changes give every node the same set for each interval, whenever it reads them.
 *
 * @example
 * const members = registryAt(changes, 2_000_003n, timing) // Set { '0xf39F…', … }
 */
export function registryAt(
  changes: readonly RegistryChange[],
  interval: bigint,
  timing: Pick<SettlementTiming, 'intervalLength' | 'gateClosure'>,
): Set<Address> {
  const ordered = [...changes].sort((a, b) =>
    a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
  )
  const members = new Set<Address>()
  for (const c of ordered) {
    if (registryBoundary(c.timestampS, timing) > interval) break // boundaries only grow along the chain
    if (c.kind === 'rotate') {
      members.delete(getAddress(c.oldAccount))
      members.add(getAddress(c.newAccount))
    } else if (c.kind === 'register') members.add(getAddress(c.account))
    else members.delete(getAddress(c.account))
  }
  return members
}
