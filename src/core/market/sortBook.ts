import { scratch } from './scratch.js'

/**
 * Canonical order of one side of the book: best price first (bids descending, asks ascending), ties broken by
 * order id ascending (as 32-byte big-endian numbers), never by arrival. This is the one ordering every node must
 * reproduce, so it is exact: prices compare as integers, ids compare in full.
 *
 * Sorting is most of the cost of clearing. Prices below 2^48 (every realistic market) come as a Float64Array of
 * exact integers and take an LSD radix sort on 12-bit digits of the price offset (keys moved with their
 * positions, so each pass reads in order and scatters into cache-sized buckets), O(n), skipping digits that do
 * not vary; runs of equal price are then put in id order. Larger prices (bigints) and small books take a
 * comparison sort.
 */
export function sortSide(
  prices: Float64Array | readonly bigint[],
  idOf: (i: number) => string,
  descending: boolean,
  /** Names the work buffers to reuse (see scratch.ts); unnamed, the result is a fresh array. */
  buffer?: string,
  /** `tieKey` of each index's id, when the caller has read them already. */
  tie?: Float64Array,
): Uint32Array {
  const n = prices.length
  const idx = buffer === undefined ? new Uint32Array(n) : scratch(`${buffer}.idx`, Uint32Array, n)
  for (let i = 0; i < n; i++) idx[i] = i
  if (n < 2) return idx
  if (prices instanceof Float64Array && n >= 1_024) return radixSort(idx, prices, idOf, descending, buffer ?? '', tie)
  return comparisonSort(idx, prices, idOf, descending)
}

/** Work arrays of the radix sort: positions and their key digits, carried together so every pass reads in order. */
interface Keyed {
  idx: Uint32Array
  lo: Uint32Array
  hi: Uint32Array
}

const DIGIT = 12
const BUCKETS = 1 << DIGIT
const HALF = 2 ** (2 * DIGIT)

function radixSort(
  idx: Uint32Array,
  prices: Float64Array,
  idOf: (i: number) => string,
  descending: boolean,
  buffer: string,
  tie: Float64Array | undefined,
): Uint32Array {
  const n = idx.length
  let min = prices[0]!
  let max = min
  for (let i = 1; i < n; i++) {
    const p = prices[i]!
    if (p < min) min = p
    else if (p > max) max = p
  }
  // The result may be either set of arrays: with a name, both are reused ones; without, both are fresh.
  const alloc = (part: string) => (buffer === '' ? new Uint32Array(n) : scratch(`${buffer}.${part}`, Uint32Array, n))
  let src: Keyed = { idx, lo: alloc('lo'), hi: alloc('hi') }
  let dst: Keyed = { idx: alloc('idx2'), lo: alloc('lo2'), hi: alloc('hi2') }
  // The key is the price's offset from the best price (< 2^48), split in two 24-bit halves of two 12-bit digits.
  for (let i = 0; i < n; i++) {
    const key = descending ? max - prices[i]! : prices[i]! - min
    src.lo[i] = key % HALF
    src.hi[i] = Math.floor(key / HALF)
  }
  const count = scratch('sort.count', Uint32Array, BUCKETS + 1)
  const range = max - min
  const passes: [keyof Keyed & ('lo' | 'hi'), number][] = [['lo', 0]]
  if (range >= BUCKETS) passes.push(['lo', DIGIT])
  if (range >= HALF) passes.push(['hi', 0])
  if (range >= HALF * BUCKETS) passes.push(['hi', DIGIT])
  const wide = range >= HALF
  for (const [part, shift] of passes) {
    if (countingPass(src, dst, src[part], shift, count, wide)) [src, dst] = [dst, src]
  }
  orderTies(src, idOf, wide, tie ?? tieKeys(n, idOf, buffer))
  return src.idx
}

/**
 * One stable counting-sort pass on a 12-bit digit of `key` (src.lo or src.hi), moving positions and keys (hi only
 * when `wide`); false (dst unused) when every digit is the same.
 */
function countingPass(src: Keyed, dst: Keyed, key: Uint32Array, shift: number, count: Uint32Array, wide: boolean) {
  count.fill(0)
  const n = src.idx.length
  const mask = BUCKETS - 1
  for (let p = 0; p < n; p++) count[((key[p]! >>> shift) & mask) + 1]!++
  for (let d = 1; d <= BUCKETS; d++) if (count[d] === n) return false
  for (let d = 1; d <= BUCKETS; d++) count[d]! += count[d - 1]!
  const { idx, lo, hi } = src
  for (let p = 0; p < n; p++) {
    const at = count[(key[p]! >>> shift) & mask]!++
    dst.idx[at] = idx[p]!
    dst.lo[at] = lo[p]!
    if (wide) dst.hi[at] = hi[p]!
  }
  return true
}

/** Puts each run of equal key (hi compared only when `wide`: else it is 0, and not moved) in id order: insertion sort for the usual short runs, a full sort for long ones. */
function orderTies(sorted: Keyed, idOf: (i: number) => string, wide: boolean, tie: Float64Array): void {
  const { idx: order, lo, hi } = sorted
  // a before b by id: their tie keys decide unless either is -1 or they are equal
  const before = (a: number, b: number) => {
    const ta = tie[a]!
    const tb = tie[b]!
    return ta >= 0 && tb >= 0 && ta !== tb ? ta < tb : idOf(a) < idOf(b)
  }
  const n = order.length
  for (let start = 0; start < n; ) {
    let end = start + 1
    while (end < n && lo[end] === lo[start] && (!wide || hi[end] === hi[start])) end++
    if (end - start > 32) order.subarray(start, end).sort((a, b) => compareIds(idOf(a), idOf(b)))
    else {
      for (let x = start + 1; x < end; x++) {
        const item = order[x]!
        let y = x - 1
        for (; y >= start && before(item, order[y]!); y--) order[y + 1] = order[y]!
        order[y + 1] = item
      }
    }
    start = end
  }
}

/** `tieKey` per index, ids read in index order (book order, which is mostly memory order). */
function tieKeys(n: number, idOf: (i: number) => string, buffer: string): Float64Array {
  const tie = buffer === '' ? new Float64Array(n) : scratch(`${buffer}.tie`, Float64Array, n)
  for (let i = 0; i < n; i++) tie[i] = tieKey(idOf(i))
  return tie
}

/**
 * An order-preserving number for an id's characters 2..7 (after "0x", 8 bits each: 48 bits, exact), so tied
 * prices are mostly ordered without reaching for the id strings, scattered over the heap, again; -1 when the id
 * does not start with "0x" or has a character beyond 8 bits there (those compare as strings).
 */
export function tieKey(id: string): number {
  let key = id.charCodeAt(0) === 48 && id.charCodeAt(1) === 120 ? 0 : -1
  for (let k = 2; k < 8 && key >= 0; k++) {
    const c = id.charCodeAt(k)
    key = c < 256 ? key * 256 + c : -1 // NaN (a short id) fails `c < 256` too
  }
  return key
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
