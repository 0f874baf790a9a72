import { keccak_256 } from '@noble/hashes/sha3.js'
import { type Address, bytesToHex, getAddress, type Hex, hexToBytes, stringToBytes } from 'viem'
import { prepareDomain, typedDigest, writeUint } from '../order/eip712.js'
import { recoverAddress, signDigest } from '../order/secp256k1.js'
import type { MarketDomain } from '../order/types.js'

/**
 * What a household announces about an interval, each signed as EIP-712 data of the market's domain so that a
 * peer knows which household said it:
 * - a digest of the message set it froze at gate closure (orders and cancels, by id),
 * - the root of the result it cleared from that set.
 */
export const DIGEST_TYPE = 'Digest(bytes32 market,uint64 interval,uint32 count,bytes32 setHash)'
export const RESULT_TYPE = 'Result(bytes32 market,uint64 interval,bytes32 setHash,bytes32 root)'
const DIGEST_TYPEHASH = keccak_256(stringToBytes(DIGEST_TYPE))
const RESULT_TYPEHASH = keccak_256(stringToBytes(RESULT_TYPE))
const SET_TAG = stringToBytes('gridlet/set/v1')

export interface IntervalDigest {
  readonly market: Hex
  readonly interval: bigint
  readonly count: number
  readonly setHash: Hex
  /** The sorted ids themselves, when they fit in one message; empty otherwise. */
  readonly ids: readonly Hex[]
  readonly account: Address
}

export interface ResultAnnouncement {
  readonly market: Hex
  readonly interval: bigint
  readonly setHash: Hex
  readonly root: Hex
  readonly tradeCount: number
  readonly account: Address
}

/**
 * One household's signed vote for an interval's result root: the signature of its `Result(market, interval,
 * setHash, root)` announcement. A quorum of these is what the settlement contract checks before it pays (households
 * may have frozen different message sets, hence a set hash each; the root is the same for all).
 */
export interface Attestation {
  readonly account: Address
  readonly setHash: Hex
  /** 65 bytes r || s || v (v 27 or 28, low s). */
  readonly signature: Hex
}

export interface Signed<T> {
  readonly body: T
  readonly signature: Hex
}

/**
 * keccak256("gridlet/set/v1" || ids sorted ascending, 32 bytes each, duplicates once): equal hashes, equal sets.
 *
 * @example
 * const h = setHash([...orderIds, ...cancelIds])
 */
export function setHash(ids: Iterable<Hex>): Hex {
  const sorted = [...new Set([...ids].map((id) => id.toLowerCase()))].sort()
  const buf = new Uint8Array(SET_TAG.length + 32 * sorted.length)
  buf.set(SET_TAG, 0)
  sorted.forEach((id, i) => {
    buf.set(hexToBytes(id as Hex), SET_TAG.length + 32 * i)
  })
  return bytesToHex(keccak_256(buf))
}

function digestStruct(d: IntervalDigest): Uint8Array {
  const buf = new Uint8Array(5 * 32)
  buf.set(DIGEST_TYPEHASH, 0)
  buf.set(hexToBytes(d.market), 32)
  writeUint(buf, 64, d.interval)
  writeUint(buf, 96, BigInt(d.count))
  buf.set(hexToBytes(d.setHash), 128)
  return keccak_256(buf)
}

function resultStruct(r: ResultAnnouncement): Uint8Array {
  const buf = new Uint8Array(5 * 32)
  buf.set(RESULT_TYPEHASH, 0)
  buf.set(hexToBytes(r.market), 32)
  writeUint(buf, 64, r.interval)
  buf.set(hexToBytes(r.setHash), 96)
  buf.set(hexToBytes(r.root), 128)
  return keccak_256(buf)
}

/** EIP-712 digest of an interval digest (ids are not signed: they must hash to setHash). */
export function hashIntervalDigest(domain: MarketDomain, d: IntervalDigest): Hex {
  return bytesToHex(typedDigest(prepareDomain(domain).separator, digestStruct(d)))
}

export function hashResultAnnouncement(domain: MarketDomain, r: ResultAnnouncement): Hex {
  return bytesToHex(typedDigest(prepareDomain(domain).separator, resultStruct(r)))
}

/** Signs a digest or result with the household's key. */
export function signAnnouncement<T extends IntervalDigest | ResultAnnouncement>(
  privateKey: Hex,
  domain: MarketDomain,
  body: T,
): Signed<T> {
  const digest = hexToBytes(announcementHash(domain, body))
  return { body, signature: bytesToHex(signDigest(digest, hexToBytes(privateKey))) }
}

/** The account that signed an announcement, or undefined if it does not recover to `body.account`. */
export function verifyAnnouncement(domain: MarketDomain, signed: Signed<IntervalDigest | ResultAnnouncement>) {
  const signer = recoverAddress(hexToBytes(announcementHash(domain, signed.body)), hexToBytes(signed.signature))
  if (!signer) return undefined
  const address = getAddress(bytesToHex(signer))
  return address.toLowerCase() === signed.body.account.toLowerCase() ? address : undefined
}

function announcementHash(domain: MarketDomain, body: IntervalDigest | ResultAnnouncement): Hex {
  return 'root' in body ? hashResultAnnouncement(domain, body) : hashIntervalDigest(domain, body)
}
