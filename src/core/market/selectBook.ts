import type { Address } from 'viem'
import type { Order, SignedCancel, VerifiedOrder } from '../order/types.js'
import { DEFAULT_MAX_PRICE, MAX_QUANTITY_WH } from '../order/verifyOrder.js'
import { accountHash } from './feederMemo.js'
import { scratch, scratchList } from './scratch.js'
import { tieKey } from './sortBook.js'

/** Largest quantity clearing accepts, 2^32 - 1 Wh (4.29 GWh): the on-chain trade quantity is a uint32, the same bound
 * as `verifyOrder` (one constant, `MAX_QUANTITY_WH`). */
export const MAX_CLEARING_QUANTITY_WH = MAX_QUANTITY_WH
/** Prices below 2^96 token units per kWh (more than any 18-decimal token needs): the on-chain trade price is a uint96. */
export const MAX_CLEARING_PRICE = DEFAULT_MAX_PRICE

export interface BookFilter {
  readonly interval: bigint
  /** Interval length in seconds: an order whose expiry falls before the interval's end is excluded. */
  readonly lengthS?: number
}

/**
 * The deterministic order book of one interval from any set of verified orders and cancels (each already checked
 * for its signature): the same sets in any arrival order give the same book. Excluded are orders
 * - for another interval, or out of the clearing bounds (quantity 1..2^32 - 1 Wh, price 1..2^96 - 1);
 * - expiring before the interval ends (they could not be settled);
 * - withdrawn by a cancel signed by the same account;
 * - in an equivocating slot: two different orders for the same (account, nonce) void every order of that slot,
 *   so a household cannot show different peers different bids.
 * Duplicates (same id) count once. Accounts and ids compare case-insensitively.
 *
 * @example
 * const book = selectBook(received, cancels, { interval: 1_500_000n, lengthS: 900 })
 */
export function selectBook(
  orders: readonly VerifiedOrder[],
  cancels: readonly SignedCancel[],
  filter: BookFilter,
): VerifiedOrder[] {
  return Array.from(selectPositions(orders, cancels, filter, true).pos, (p) => orders[p]!)
}

/**
 * A selected book as flat arrays, in first-seen order of the slots: each order's position in the order set, side,
 * quantity and price as numbers (exact below 2^48; a side that holds a larger price compares the orders' bigint
 * prices instead) and the key of its id that breaks ties on price (`tieKey`).
 */
export interface BookArrays {
  readonly pos: Uint32Array
  readonly side: Uint8Array
  readonly qty: Float64Array
  readonly prices: Float64Array
  readonly tie?: Float64Array
  /** `accountHash` of each entry's account (what the grid's feeder lookup is keyed by). */
  readonly accountHash?: Int32Array
  /**
   * Each entry's account, read in the selection's pass over the orders so the grid's feeder lookup does not visit
   * the order objects again (indexed like `pos`; as work buffers it may be longer).
   */
  readonly accounts?: readonly Address[]
}

const FAST_PRICE = 2 ** 48

/**
 * `selectBook` as flat arrays: what the clearing works on, read from the order objects in one sequential pass.
 *
 * Slots are found with an open-addressing table of typed arrays keyed by a hash of (account, nonce), compared
 * exactly on a hash match: no key string, map entry or object per order, so a 1M-order set costs a few flat
 * arrays and two passes (the orders, then their slot hashes) rather than a million allocations the garbage
 * collector must trace. The first pass reads the leading characters of each id once, for the sort's tie key; an
 * order is looked up among the cancels only when its account's hash is one of theirs (a bitmap test).
 */
export function selectPositions(
  orders: readonly VerifiedOrder[],
  cancels: readonly SignedCancel[],
  filter: BookFilter,
  /** The book as views of work buffers, valid until the next clearing (for the clearing's own use). */
  reuse = false,
): BookArrays {
  const n = orders.length
  const endS = (filter.interval + 1n) * BigInt(filter.lengthS ?? 900)
  const mask = 2 ** Math.max(4, Math.ceil(Math.log2(2 * n + 1))) - 1
  // table[2t] = a slot's hash, table[2t + 1] = 1 + its index (0 = empty): one cache line per probe
  const table = scratch('select.table', Int32Array, 2 * (mask + 1), true)
  // per slot: its first order's position, void flag, quantity, price, side, tie key, account hash and account
  const a: Slots = {
    pos: scratch('select.first', Uint32Array, n),
    voided: scratch('select.voided', Uint8Array, n, true),
    qty: scratch('select.qty', Float64Array, n),
    prices: scratch('select.prices', Float64Array, n),
    sides: scratch('select.sides', Uint8Array, n),
    tie: scratch('select.tie', Float64Array, n),
    account: scratch('select.account', Int32Array, n),
    accounts: scratchList<Address>('select.accounts', n),
  }
  const hashes = scratch('select.hash', Int32Array, n)
  const candidates = readCandidates(orders, acceptor(filter.interval, endS), a, hashes)
  let slots = 0
  for (let c = 0; c < candidates; c++) {
    const h = hashes[c]!
    for (let t = h & mask; ; t = (t + 1) & mask) {
      const s = table[2 * t + 1]!
      if (s === 0) {
        table[2 * t] = h
        table[2 * t + 1] = slots + 1
        if (slots !== c) moveSlot(a, c, slots)
        slots++
        break
      }
      if (table[2 * t] !== h) continue
      const seen = orders[a.pos[s - 1]!]!
      const o = orders[a.pos[c]!]!
      if (sameSlot(seen.order, o.order)) {
        // a second copy of the same order is a duplicate, a different order in the slot voids it
        if (!sameText(seen.id, o.id)) a.voided[s - 1] = 1
        break
      }
    }
  }
  return compact(orders, cancelledIds(cancels), a, slots, reuse)
}

/**
 * The first pass of the selection: the orders within the book's bounds, read in order into the slot arrays (their
 * position, quantity, price, side, tie key, account hash and account) with their slot's hash in `hashes`; returns how many.
 * The slot table is probed in a second, tight pass over `hashes`: its random reads then overlap, where between
 * the reads of the order objects each would wait on memory in turn.
 */
function readCandidates(
  orders: readonly VerifiedOrder[],
  accept: (order: Order, price: number) => number,
  a: Slots,
  hashes: Int32Array,
): number {
  let c = 0
  for (let i = 0; i < orders.length; i++) {
    const o = orders[i]!
    const { order } = o
    const p = Number(order.limitPrice)
    const q = accept(order, p)
    if (q === 0) continue
    const ah = accountHash(order.account)
    hashes[c] = slotHash(ah, order.nonce)
    a.qty[c] = q
    a.prices[c] = p
    a.sides[c] = order.side
    a.tie[c] = tieKey(o.id)
    a.account[c] = ah
    a.accounts[c] = order.account
    a.pos[c++] = i
  }
  return c
}

/** Moves the slot arrays' entry `from` down to `to` (voided flags are by slot and stay). */
function moveSlot(a: Slots, from: number, to: number): void {
  a.pos[to] = a.pos[from]!
  a.qty[to] = a.qty[from]!
  a.prices[to] = a.prices[from]!
  a.sides[to] = a.sides[from]!
  a.tie[to] = a.tie[from]!
  a.account[to] = a.account[from]!
  a.accounts[to] = a.accounts[from]!
}

/** Per slot of the selection (see `selectPositions`). */
interface Slots {
  readonly pos: Uint32Array
  readonly qty: Float64Array
  readonly prices: Float64Array
  readonly sides: Uint8Array
  readonly voided: Uint8Array
  readonly tie: Float64Array
  readonly account: Int32Array
  readonly accounts: Address[]
}

/**
 * The slots that stay in the book (not void, not withdrawn), moved to the front of the slot arrays (an entry only
 * moves down, so in place); `reuse`: the book is views of those work buffers, else arrays of its own.
 */
function compact(
  orders: readonly VerifiedOrder[],
  withdrawn: Withdrawn,
  a: Slots,
  slots: number,
  reuse: boolean,
): BookArrays {
  const { byId, accounts } = withdrawn
  const any = byId.size > 0
  let m = 0
  for (let s = 0; s < slots; s++) {
    if (a.voided[s]) continue
    const p = a.pos[s]!
    const ah = a.account[s]!
    // only an order whose account hash is among the cancelling accounts' is looked up by its id
    if (any && (accounts[(ah >>> 5) & BITMAP_MASK]! & (1 << (ah & 31))) !== 0 && isWithdrawn(byId, orders[p]!)) {
      continue
    }
    a.pos[m] = p
    a.sides[m] = a.sides[s]!
    a.qty[m] = a.qty[s]!
    a.tie[m] = a.tie[s]!
    a.account[m] = ah
    a.accounts[m] = a.accounts[s]!
    a.prices[m++] = a.prices[s]!
  }
  const cut = <T extends Uint32Array | Uint8Array | Float64Array | Int32Array>(x: T) =>
    (reuse ? x.subarray(0, m) : x.slice(0, m)) as T
  return {
    pos: cut(a.pos),
    side: cut(a.sides),
    qty: cut(a.qty),
    prices: cut(a.prices),
    tie: cut(a.tie),
    accountHash: cut(a.account),
    accounts: reuse ? a.accounts : a.accounts.slice(0, m),
  }
}

/**
 * The book's bounds as a test of an order and its price as a number, returning its quantity as a number (0 = not
 * in the book). Quantity and price
 * are judged on their Number() values, which decide exactly: a bigint up to 2^53 converts exactly, a larger one
 * to a number of at least 2^53, beyond the fast bounds; prices from 2^48 on are judged as bigints.
 */
function acceptor(interval: bigint, endS: bigint): (order: Order, price: number) => number {
  const maxQ = Number(MAX_CLEARING_QUANTITY_WH)
  return (order, p) => {
    if (order.interval !== interval) return 0
    // a bigint comparison: Number() of an expiry beyond the small integers allocates a heap number per order
    if (order.expiry < endS) return 0
    const q = Number(order.quantityWh)
    if (!(q >= 1 && q <= maxQ)) return 0
    if (!(p >= 1)) return 0
    return p < FAST_PRICE || order.limitPrice <= MAX_CLEARING_PRICE ? q : 0
  }
}

/** A hash of the slot (account case-folded, nonce): the account's hash (`accountHash`) and the nonce's low bits, mixed. */
function slotHash(accountHash: number, nonce: bigint): number {
  let h = Math.imul(accountHash ^ (Number(nonce) >>> 0), 0x9e3779b1)
  h ^= h >>> 15
  h = Math.imul(h, 0x85ebca6b)
  return h ^ (h >>> 13)
}

function sameSlot(a: Order, b: Order): boolean {
  return a.nonce === b.nonce && sameText(a.account, b.account)
}

function sameText(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase()
}

/**
 * Cancelled order ids (lower case) -> the accounts (lower case) that signed a cancel for them, and a bitmap of the
 * cancelling accounts' hashes (`accountHash`, 2^20 bits): a cancel withdraws only an order of its own account.
 */
interface Withdrawn {
  readonly byId: Map<string, Set<string>>
  readonly accounts: Int32Array
}

const BITMAP_MASK = 2 ** 15 - 1

function cancelledIds(cancels: readonly SignedCancel[]): Withdrawn {
  const byId = new Map<string, Set<string>>()
  const accounts = scratch('select.cancelBits', Int32Array, BITMAP_MASK + 1, true)
  for (const { cancel } of cancels) {
    const id = cancel.orderId.toLowerCase()
    const signers = byId.get(id) ?? new Set<string>()
    signers.add(cancel.account.toLowerCase())
    byId.set(id, signers)
    const ah = accountHash(cancel.account)
    accounts[(ah >>> 5) & BITMAP_MASK]! |= 1 << (ah & 31)
  }
  return { byId, accounts }
}

/** Characters `toLowerCase` might change: upper-case ASCII letters and anything beyond ASCII. */
const MAY_FOLD = /[A-Z\u0080-\uffff]/

/**
 * A cancel counts only when signed by the order's own account. Ids are lower case as verification makes them, so
 * the lookup is tried as is first: folding every id of a large set would cost more than the rest of the selection.
 */
function isWithdrawn(withdrawn: Map<string, Set<string>>, o: VerifiedOrder): boolean {
  const id = o.id
  const accounts = withdrawn.get(id) ?? (MAY_FOLD.test(id) ? withdrawn.get(id.toLowerCase()) : undefined)
  return accounts?.has(o.order.account.toLowerCase()) === true
}
