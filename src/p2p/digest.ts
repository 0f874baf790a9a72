import { type Address, bytesToHex, concat, getAddress, type Hex, keccak256, numberToHex, stringToHex } from 'viem'
import { GridletError } from '../core/errors.js'
import { accountOf, recoverAccount, signAccountMessage } from './accountSig.js'
import { bytes } from './binding.js'
import type { IntervalDigest, IntervalResult } from './pb/p2p.js'

/** keccak256 of the concatenated ids in ascending order: equal hashes = equal sets. Empty set: keccak256(0x). */
export function setHash(sortedIds: readonly Hex[]): Hex {
  return keccak256(sortedIds.length === 0 ? '0x' : concat(sortedIds as Hex[]))
}

/** Ids sorted ascending (lower-case hex compares like the bytes). */
export function sortIds(ids: Iterable<Hex>): Hex[] {
  return [...new Set([...ids].map((i) => i.toLowerCase() as Hex))].sort()
}

/** A digest or result as this node keeps it after checking. */
export interface DigestInfo {
  readonly market: Hex
  readonly interval: bigint
  readonly account: Address
  readonly ids: readonly Hex[]
  readonly setHash: Hex
}

export interface ResultInfo {
  readonly market: Hex
  readonly interval: bigint
  readonly account: Address
  readonly root: Hex
  readonly setHash: Hex
  readonly count: number
}

// What the account signs: a tag, then fixed-width fields, so no two messages share an encoding.
function digestHash(d: Omit<DigestInfo, 'ids'> & { count: number }): Hex {
  return keccak256(
    concat([
      stringToHex('gridlet digest v1'),
      d.market,
      numberToHex(d.interval, { size: 8 }),
      d.account,
      numberToHex(d.count, { size: 4 }),
      d.setHash,
    ]),
  )
}

function resultHash(r: ResultInfo): Hex {
  return keccak256(
    concat([
      stringToHex('gridlet result v1'),
      r.market,
      numberToHex(r.interval, { size: 8 }),
      r.account,
      r.root,
      r.setHash,
      numberToHex(r.count, { size: 4 }),
    ]),
  )
}

/**
 * The signed digest of the order set a household froze at gate closure: count, set hash and the sorted ids
 * (32 bytes each; a neighbourhood market carries tens to a few thousand orders per interval).
 */
export function signDigest(privateKey: Hex, market: Hex, interval: bigint, ids: readonly Hex[]): IntervalDigest {
  const sorted = sortIds(ids)
  const account = accountOf(privateKey)
  const h = setHash(sorted)
  const hash = digestHash({ market, interval, account, count: sorted.length, setHash: h })
  return {
    market: bytes(market),
    interval,
    account: bytes(account),
    count: sorted.length,
    setHash: bytes(h),
    ids: sorted.map(bytes),
    signature: Uint8Array.from(signAccountMessage(privateKey, { raw: hash })),
  }
}

/**
 * Checks a digest's internal consistency (ids sorted, unique, 32 bytes, count and set hash match) and signature.
 * Throws GridletError `DIGEST_*`; registry membership and timing are the caller's.
 */
export function verifyDigest(d: IntervalDigest, market: Hex, maxIds: number): DigestInfo {
  if (bytesToHex(d.market) !== market.toLowerCase()) throw digestError('DIGEST_MARKET', 'market', 'another market')
  if (d.account.length !== 20) throw digestError('DIGEST_SHAPE', 'account', 'must be 20 bytes')
  if (d.ids.length > maxIds) throw digestError('DIGEST_SHAPE', 'ids', `${d.ids.length} > ${maxIds}`)
  if (d.count !== d.ids.length) throw digestError('DIGEST_INCONSISTENT', 'count', `${d.count} != ${d.ids.length}`)
  const ids = d.ids.map((i) => bytesToHex(i))
  for (let i = 0; i < ids.length; i++) {
    if (ids[i]!.length !== 66) throw digestError('DIGEST_SHAPE', 'ids', 'ids must be 32 bytes')
    if (i > 0 && ids[i]! <= ids[i - 1]!) throw digestError('DIGEST_INCONSISTENT', 'ids', 'not sorted and unique')
  }
  const h = setHash(ids)
  if (h !== bytesToHex(d.setHash)) throw digestError('DIGEST_INCONSISTENT', 'setHash', 'does not hash the ids')
  const account = getAddress(bytesToHex(d.account))
  const hash = digestHash({ market, interval: d.interval, account, count: d.count, setHash: h })
  if (recoverAccount({ raw: hash }, d.signature) !== account) {
    throw digestError('DIGEST_SIGNATURE', 'signature', 'not signed by account')
  }
  return { market, interval: d.interval, account, ids, setHash: h }
}

/** The signed result root a household computed for an interval. */
export function signResult(privateKey: Hex, r: Omit<ResultInfo, 'account'>): IntervalResult {
  const info: ResultInfo = { ...r, account: accountOf(privateKey) }
  return {
    market: bytes(r.market),
    interval: r.interval,
    account: bytes(info.account),
    root: bytes(r.root),
    setHash: bytes(r.setHash),
    count: r.count,
    signature: Uint8Array.from(signAccountMessage(privateKey, { raw: resultHash(info) })),
  }
}

export function verifyResult(r: IntervalResult, market: Hex): ResultInfo {
  if (bytesToHex(r.market) !== market.toLowerCase()) throw digestError('RESULT_MARKET', 'market', 'another market')
  if (r.account.length !== 20 || r.root.length !== 32 || r.setHash.length !== 32) {
    throw digestError('RESULT_SHAPE', 'root', 'account 20 bytes, root and setHash 32 bytes')
  }
  const info: ResultInfo = {
    market,
    interval: r.interval,
    account: getAddress(bytesToHex(r.account)),
    root: bytesToHex(r.root),
    setHash: bytesToHex(r.setHash),
    count: r.count,
  }
  if (recoverAccount({ raw: resultHash(info) }, r.signature) !== info.account) {
    throw digestError('RESULT_SIGNATURE', 'signature', 'not signed by account')
  }
  return info
}

function digestError(code: string, field: string, details: string): GridletError {
  return new GridletError('invalid interval announcement', { code, field, details })
}
