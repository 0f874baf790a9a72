/**
 * Canonical order of one side of the book: best price first (bids descending, asks ascending), ties broken by
 * order id ascending (as 32-byte big-endian numbers), never by arrival. This is the one ordering every node must
 * reproduce, so it is exact: prices compare as integers, ids compare in full.
 *
 * Sorting is most of the cost of clearing, so prices below 2^48 (every realistic market) take an LSD radix sort
 * on 16-bit digits of (price, first 32 bits of id), O(n), followed by a full-id fix-up of the rare runs whose
 * price and id prefix are equal. Larger prices fall back to a comparison sort on bigints.
 */
export interface SideKeys {
  /** Limit price per order: exact integer numbers (fast path) or bigints. */
  readonly prices: readonly number[] | readonly bigint[]
  /** Order ids as lower-case 0x-prefixed hex, same length. */
  readonly ids: readonly string[]
}

const FAST_MAX = 2 ** 48

/** Returns the positions of the orders in canonical order. */
export function sortSide(keys: SideKeys, descending: boolean): Uint32Array {
  const n = keys.ids.length
  const idx = new Uint32Array(n)
  for (let i = 0; i < n; i++) idx[i] = i
  if (n < 2) return idx
  const prices = keys.prices
  if (typeof prices[0] === 'bigint' || !prices.every((p) => (p as number) < FAST_MAX)) {
    return comparisonSort(idx, toBigints(prices), keys.ids, descending)
  }
  return radixSort(idx, prices as readonly number[], keys.ids, descending)
}

function radixSort(
  idx: Uint32Array,
  prices: readonly number[],
  ids: readonly string[],
  descending: boolean,
): Uint32Array {
  const n = idx.length
  let max = 0
  for (let i = 0; i < n; i++) if (prices[i]! > max) max = prices[i]!
  const lo = new Uint32Array(n)
  const hi = new Uint32Array(n)
  const idKey = new Uint32Array(n)
  for (let i = 0; i < n; i++) {
    const key = descending ? max - prices[i]! : prices[i]!
    lo[i] = key >>> 0
    hi[i] = Math.floor(key / 2 ** 32)
    idKey[i] = Number.parseInt(ids[i]!.slice(2, 10), 16)
  }
  let src: Uint32Array = idx
  let dst: Uint32Array = new Uint32Array(n)
  const count = new Uint32Array(65_537)
  // Least significant digit first: id prefix, then price. Each pass is a stable counting sort.
  for (const [key, shift] of [
    [idKey, 0],
    [idKey, 16],
    [lo, 0],
    [lo, 16],
    [hi, 0],
  ] as const) {
    if (countingPass(src, dst, key, shift, count)) [src, dst] = [dst, src]
  }
  fixTies(src, lo, hi, idKey, ids)
  return src
}

/** One stable pass on a 16-bit digit; returns false (and leaves dst unused) when every digit is equal. */
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

/** Orders equal in price and id prefix (rare: 2^-32 per pair) are put in full-id order. */
function fixTies(order: Uint32Array, lo: Uint32Array, hi: Uint32Array, idKey: Uint32Array, ids: readonly string[]) {
  const same = (a: number, b: number) => lo[a] === lo[b] && hi[a] === hi[b] && idKey[a] === idKey[b]
  for (let start = 0; start < order.length; ) {
    let end = start + 1
    while (end < order.length && same(order[start]!, order[end]!)) end++
    if (end - start > 1) {
      const run = Array.from(order.subarray(start, end)).sort((a, b) => compareIds(ids[a]!, ids[b]!))
      order.set(run, start)
    }
    start = end
  }
}

function comparisonSort(idx: Uint32Array, prices: bigint[], ids: readonly string[], descending: boolean) {
  return idx.sort((a, b) => {
    const pa = prices[a]!
    const pb = prices[b]!
    if (pa !== pb) return pa < pb !== descending ? -1 : 1
    return compareIds(ids[a]!, ids[b]!)
  })
}

/** Ids are fixed-length lower-case hex, so string order is numeric order. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function toBigints(prices: readonly number[] | readonly bigint[]): bigint[] {
  return (prices as readonly (number | bigint)[]).map((p) => BigInt(p))
}
