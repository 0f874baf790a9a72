import { scratch } from './scratch.js'

/**
 * Canonical order of one side of the book: best price first (bids descending, asks ascending), ties broken by
 * order id ascending (as 32-byte big-endian numbers), never by arrival. This is the one ordering every node must
 * reproduce, so it is exact: prices compare as integers, ids compare in full.
 *
 * Sorting is most of the cost of clearing. Prices below 2^48 (every realistic market) come as a Float64Array of
 * exact integers and take an LSD radix sort on 16-bit digits of the price offset, O(n), skipping digits that do
 * not vary; runs of equal price are then put in id order. Larger prices (bigints) and small books take a
 * comparison sort.
 */
export function sortSide(
  prices: Float64Array | readonly bigint[],
  idOf: (i: number) => string,
  descending: boolean,
  /** Names the work buffers to reuse (see scratch.ts); unnamed, the result is a fresh array. */
  buffer?: string,
): Uint32Array {
  const n = prices.length
  const idx = buffer === undefined ? new Uint32Array(n) : scratch(`${buffer}.idx`, Uint32Array, n)
  for (let i = 0; i < n; i++) idx[i] = i
  if (n < 2) return idx
  if (prices instanceof Float64Array && n >= 1_024) return radixSort(idx, prices, idOf, descending, buffer ?? '')
  return comparisonSort(idx, prices, idOf, descending)
}

function radixSort(
  idx: Uint32Array,
  prices: Float64Array,
  idOf: (i: number) => string,
  descending: boolean,
  buffer: string,
): Uint32Array {
  const n = idx.length
  let min = prices[0]!
  let max = min
  for (let i = 1; i < n; i++) {
    const p = prices[i]!
    if (p < min) min = p
    else if (p > max) max = p
  }
  // The result may be either buffer: with a name, both are reused ones; without, both are fresh.
  const fresh = buffer === ''
  const lo = fresh ? new Uint32Array(n) : scratch(`${buffer}.lo`, Uint32Array, n)
  const hi = fresh ? new Uint32Array(n) : scratch(`${buffer}.hi`, Uint32Array, n)
  for (let i = 0; i < n; i++) {
    const key = descending ? max - prices[i]! : prices[i]! - min
    lo[i] = key >>> 0
    hi[i] = Math.floor(key / 2 ** 32)
  }
  let src: Uint32Array = idx
  let dst: Uint32Array = fresh ? new Uint32Array(n) : scratch(`${buffer}.dst`, Uint32Array, n)
  const count = scratch('sort.count', Uint32Array, 65_537)
  const range = max - min
  const passes: [Uint32Array, number][] = [[lo, 0]]
  if (range >= 2 ** 16) passes.push([lo, 16])
  if (range >= 2 ** 32) passes.push([hi, 0])
  for (const [key, shift] of passes) {
    if (countingPass(src, dst, key, shift, count)) [src, dst] = [dst, src]
  }
  orderTies(src, prices, idOf)
  return src
}

/** One stable counting-sort pass on a 16-bit digit; false (dst unused) when every digit is the same. */
function countingPass(src: Uint32Array, dst: Uint32Array, key: Uint32Array, shift: number, count: Uint32Array) {
  count.fill(0)
  const n = src.length
  for (let i = 0; i < n; i++) count[((key[i]! >>> shift) & 0xffff) + 1]!++
  for (let d = 1; d <= 65_536; d++) if (count[d] === n) return false
  for (let d = 1; d <= 65_536; d++) count[d]! += count[d - 1]!
  for (let p = 0; p < n; p++) {
    const i = src[p]!
    dst[count[(key[i]! >>> shift) & 0xffff]!++] = i
  }
  return true
}

/** Puts each run of equal price in id order: insertion sort for the usual short runs, a full sort for long ones. */
function orderTies(order: Uint32Array, prices: Float64Array, idOf: (i: number) => string): void {
  for (let start = 0; start < order.length; ) {
    const p = prices[order[start]!]
    let end = start + 1
    while (end < order.length && prices[order[end]!] === p) end++
    if (end - start > 32) order.subarray(start, end).sort((a, b) => compareIds(idOf(a), idOf(b)))
    else {
      for (let x = start + 1; x < end; x++) {
        const item = order[x]!
        const id = idOf(item)
        let y = x - 1
        for (; y >= start && idOf(order[y]!) > id; y--) order[y + 1] = order[y]!
        order[y + 1] = item
      }
    }
    start = end
  }
}

function comparisonSort(
  idx: Uint32Array,
  prices: Float64Array | readonly bigint[],
  idOf: (i: number) => string,
  descending: boolean,
): Uint32Array {
  return idx.sort((a, b) => {
    const pa = prices[a]!
    const pb = prices[b]!
    if (pa !== pb) return pa < pb !== descending ? -1 : 1
    return compareIds(idOf(a), idOf(b))
  })
}

/** Ids are fixed-length lower-case hex, so string order is numeric order. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
