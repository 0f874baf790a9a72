import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, type Hex } from 'viem'
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
  const buf = Buffer.alloc(HEADER + TRADE * result.trades.length)
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  buf.set(TAG, 0)
  let o = TAG.length
  view.setBigUint64(o, result.interval)
  buf[o + 8] = RULE_CODE[result.rule]
  putWide(view, o + 9, result.clearingPrice ?? 0n, 16)
  putWide(view, o + 25, result.volumeWh, 16)
  view.setUint32(o + 41, result.trades.length)
  o = HEADER
  for (const t of result.trades) {
    buf.write(t.buyId.slice(2), o, 'hex')
    buf.write(t.sellId.slice(2), o + 32, 'hex')
    view.setBigUint64(o + 64, t.quantityWh)
    putWide(view, o + 72, t.price, 16)
    putWide(view, o + 88, t.amount, 32)
    o += TRADE
  }
  return bytesToHex(keccak_256(buf))
}

/** Big-endian unsigned `value` in `width` (16 or 32) bytes; most values fit the last 8, which is the fast case. */
function putWide(view: DataView, offset: number, value: bigint, width: number): void {
  let v = value
  for (let at = offset + width - 8; v > 0n; at -= 8) {
    view.setBigUint64(at, BigInt.asUintN(64, v))
    v >>= 64n
  }
}
