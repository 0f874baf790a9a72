import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, type Hex, hexToBytes } from 'viem'
import { type MatchResult, RULE_CODE } from './types.js'

const TAG = new TextEncoder().encode('gridlet/result/v1')
const HEADER = TAG.length + 8 + 1 + 16 + 16 + 4
const TRADE = 32 + 32 + 8 + 16 + 32

/**
 * The result root: keccak256 over the canonical encoding of a match result (docs/protocol.md, "Result root"):
 *
 *   "gridlet/result/v1" || interval u64 || rule u8 || clearingPrice u128 (0 = none) || volumeWh u128 ||
 *   tradeCount u32 || per trade in canonical order: buyId 32 || sellId 32 || quantityWh u64 || price u128 ||
 *   amount u256
 *
 * all integers big-endian. Two nodes with the same root computed the same trades, prices and payments.
 *
 * @example
 * const root = resultRoot(match(book, params))
 */
export function resultRoot(result: MatchResult): Hex {
  const buf = new Uint8Array(HEADER + TRADE * result.trades.length)
  let o = 0
  buf.set(TAG, o)
  o += TAG.length
  o = put(buf, o, result.interval, 8)
  buf[o++] = RULE_CODE[result.rule]
  o = put(buf, o, result.clearingPrice ?? 0n, 16)
  o = put(buf, o, result.volumeWh, 16)
  o = put(buf, o, BigInt(result.trades.length), 4)
  for (const t of result.trades) {
    buf.set(hexToBytes(t.buyId), o)
    buf.set(hexToBytes(t.sellId), o + 32)
    o = put(buf, o + 64, t.quantityWh, 8)
    o = put(buf, o, t.price, 16)
    o = put(buf, o, t.amount, 32)
  }
  return bytesToHex(keccak_256(buf))
}

/** Writes `value` big-endian into `width` bytes at `offset`; returns the offset after it. */
function put(buf: Uint8Array, offset: number, value: bigint, width: number): number {
  let v = value
  for (let i = offset + width - 1; i >= offset && v > 0n; i--) {
    buf[i] = Number(v & 0xffn)
    v >>= 8n
  }
  return offset + width
}
