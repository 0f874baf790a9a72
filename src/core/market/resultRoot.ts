import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, type Hex } from 'viem'
import { type MatchResult, RULE_CODE } from './types.js'

const TAG = new TextEncoder().encode('gridlet/result/v1')
const HEADER = TAG.length + 8 + 1 + 16 + 16 + 4
const TRADE = 32 + 32 + 8 + 16 + 32
/** v2, the grid clearing's: the same tag length, the fee recipient after the header, level and fee per trade. */
const TAG_V2 = new TextEncoder().encode('gridlet/result/v2')
const FEE = 1 + 16

/**
 * The result root: keccak256 over the canonical encoding of a match result (docs/protocol.md, "Result root"):
 *
 *   "gridlet/result/v1" || interval u64 || rule u8 || clearingPrice u128 (0 = none) || volumeWh u128 ||
 *   tradeCount u32 || per trade in canonical order: buyId 32 || sellId 32 || quantityWh u64 || price u128 ||
 *   amount u256
 *
 * all integers big-endian. Two nodes with the same root computed the same trades, prices and payments.
 *
 * A grid clearing's result (it names a `feeRecipient`) has the v2 root: tag "gridlet/result/v2", the same header
 * followed by feeRecipient (20 bytes), and per trade the v1 fields followed by level u8 || fee u128.
 *
 * @example
 * const root = resultRoot(match(book, params))
 */
export function resultRoot(result: MatchResult): Hex {
  const v2 = result.feeRecipient !== undefined
  const header = HEADER + (v2 ? 20 : 0)
  const size = TRADE + (v2 ? FEE : 0)
  const buf = Buffer.alloc(header + size * result.trades.length)
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  buf.set(v2 ? TAG_V2 : TAG, 0)
  let o = TAG.length
  view.setBigUint64(o, result.interval)
  buf[o + 8] = RULE_CODE[result.rule]
  putWide(view, o + 9, result.clearingPrice ?? 0n, 16)
  putWide(view, o + 25, result.volumeWh, 16)
  view.setUint32(o + 41, result.trades.length)
  if (v2) buf.write(result.feeRecipient!.slice(2), HEADER, 'hex')
  o = header
  for (const t of result.trades) {
    buf.write(t.buyId.slice(2), o, 'hex')
    buf.write(t.sellId.slice(2), o + 32, 'hex')
    view.setBigUint64(o + 64, t.quantityWh)
    putWide(view, o + 72, t.price, 16)
    putWide(view, o + 88, t.amount, 32)
    if (v2) {
      buf[o + TRADE] = t.level ?? 0
      putWide(view, o + TRADE + 1, t.fee ?? 0n, 16)
    }
    o += size
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
