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
 * and, while they fit (1,800), the sorted ids themselves.
 *
 * @example
 * const digest = makeDigest(householdKey, domain, market, 7n, frozenIds)
 */
export function makeDigest(
  privateKey: Hex,
  domain: MarketDomain,
  account: Address,
  market: Hex,
  interval: bigint,
  ids: readonly Hex[],
): Signed<IntervalDigest> {
  const sorted = sortIds(ids)
  return signAnnouncement(privateKey, domain, {
    market,
    interval,
    count: sorted.length,
    setHash: setHash(sorted),
    ids: sorted.length <= MAX_DIGEST_IDS ? sorted : [],
    account,
  })
}

/**
 * Checks a decoded digest: this market, ids sorted and unique and hashing to `setHash`, signed by its account.
 * Returns the ids (empty if the digest was too large to list them). Throws GridletError `DIGEST_*`.
 */
export function checkDigest(domain: MarketDomain, market: Hex, signed: Signed<IntervalDigest>): readonly Hex[] {
  const d = signed.body
  if (d.market.toLowerCase() !== market.toLowerCase()) throw digestError('DIGEST_MARKET', 'market', 'another market')
  const ids = d.ids.map((i) => i.toLowerCase() as Hex)
  for (let i = 1; i < ids.length; i++) {
    if (ids[i]! <= ids[i - 1]!) throw digestError('DIGEST_INCONSISTENT', 'ids', 'not sorted and unique')
  }
  if (ids.length > 0 && setHash(ids) !== d.setHash.toLowerCase()) {
    throw digestError('DIGEST_INCONSISTENT', 'setHash', 'does not hash the listed ids')
  }
  if (ids.length === 0 && d.count > 0 && d.count <= MAX_DIGEST_IDS) {
    throw digestError('DIGEST_INCONSISTENT', 'ids', 'a set that fits must be listed')
  }
  if (!verifyAnnouncement(domain, signed)) throw digestError('DIGEST_SIGNATURE', 'signature', 'not signed by account')
  return ids
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
