import type { Address, Hex } from 'viem'
import { GridletError } from '../core/errors.js'
import type { MarketDomain } from '../core/order/types.js'
import {
  type IntervalDigest,
  MAX_DIGEST_IDS,
  type ResultAnnouncement,
  type Signed,
  setHash,
  signAnnouncement,
  verifyAnnouncement,
} from '../core/protocol/index.js'

/** Ids lower-cased, deduplicated and sorted ascending (lower-case hex sorts like the bytes). */
export function sortIds(ids: Iterable<Hex>): Hex[] {
  return [...new Set([...ids].map((i) => i.toLowerCase() as Hex))].sort()
}

/**
 * The signed digest of the message set (order and cancel ids) a household froze at gate closure: count, set hash
 * and, when the set has at most `listUpTo` ids (at most 1,800, the protocol's limit), the sorted ids themselves.
 * An unlisted set is resolved by whoever needs it over `/gridlet/reconcile` and checked against the signed hash.
 *
 * @example
 * const digest = makeDigest(householdKey, domain, account, market, 7n, frozenIds)
 */
export function makeDigest(
  privateKey: Hex,
  domain: MarketDomain,
  account: Address,
  market: Hex,
  interval: bigint,
  ids: readonly Hex[],
  listUpTo = MAX_DIGEST_IDS,
): Signed<IntervalDigest> {
  const sorted = sortIds(ids)
  return signAnnouncement(privateKey, domain, {
    market,
    interval,
    count: sorted.length,
    setHash: setHash(sorted),
    ids: sorted.length <= Math.min(listUpTo, MAX_DIGEST_IDS) ? sorted : [],
    account,
  })
}

/**
 * Checks a decoded digest: this market, listed ids (if any) forming the set it names, signed by its account.
 * Returns the ids, or `undefined` when a non-empty set is not listed. Throws GridletError `DIGEST_*`.
 */
export function checkDigest(
  domain: MarketDomain,
  market: Hex,
  signed: Signed<IntervalDigest>,
): readonly Hex[] | undefined {
  const d = signed.body
  if (d.market.toLowerCase() !== market.toLowerCase()) throw digestError('DIGEST_MARKET', 'market', 'another market')
  const listed = d.ids.length > 0 || d.count === 0
  const ids = listed ? checkSetIds(d.ids, d.setHash) : undefined
  if (ids && ids.length !== d.count)
    throw digestError('DIGEST_INCONSISTENT', 'count', `${d.count} != ${ids.length} ids`)
  if (!verifyAnnouncement(domain, signed)) throw digestError('DIGEST_SIGNATURE', 'signature', 'not signed by account')
  return ids
}

/**
 * Checks that `ids` (listed in a digest, or fetched from a peer for a digest that did not list them) are the set
 * `setHash` names: sorted, unique and hashing to it. Returns them lower-cased. Throws GridletError
 * `DIGEST_INCONSISTENT`.
 */
export function checkSetIds(ids: readonly Hex[], hash: Hex): readonly Hex[] {
  const lower = ids.map((i) => i.toLowerCase() as Hex)
  for (let i = 1; i < lower.length; i++) {
    if (lower[i]! <= lower[i - 1]!) throw digestError('DIGEST_INCONSISTENT', 'ids', 'not sorted and unique')
  }
  if (setHash(lower) !== hash.toLowerCase())
    throw digestError('DIGEST_INCONSISTENT', 'setHash', 'does not hash the ids')
  return lower
}

/** The signed result root a household computed for an interval. */
export function makeResult(
  privateKey: Hex,
  domain: MarketDomain,
  body: ResultAnnouncement,
): Signed<ResultAnnouncement> {
  return signAnnouncement(privateKey, domain, body)
}

/** Checks a decoded result announcement: this market, signed by its account. Throws GridletError `RESULT_*`. */
export function checkResult(domain: MarketDomain, market: Hex, signed: Signed<ResultAnnouncement>): void {
  if (signed.body.market.toLowerCase() !== market.toLowerCase()) {
    throw digestError('RESULT_MARKET', 'market', 'another market')
  }
  if (!verifyAnnouncement(domain, signed)) throw digestError('RESULT_SIGNATURE', 'signature', 'not signed by account')
}

function digestError(code: string, field: string, details: string): GridletError {
  return new GridletError('invalid interval announcement', { code, field, details })
}
