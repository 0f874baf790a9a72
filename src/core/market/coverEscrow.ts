import type { VerifiedOrder } from '../order/types.js'
import { Side } from '../order/types.js'
import type { Trade } from './types.js'

/**
 * What each household may commit in one interval, as every node derives it from the chain at the interval's
 * reference block (docs/protocol.md, "Escrow cover"): the households registered for the interval, each with the
 * most its buy orders may cost.
 */
export interface EscrowCover {
  /**
   * Lower-case account => spendable token units for this interval's buys (`availableOf` at the reference block
   * minus what the household still owes for earlier agreed, unsettled intervals). An account absent from the map is
   * not registered for the interval: none of its orders, buy or sell, enters the book.
   */
  readonly spendable: ReadonlyMap<string, bigint>
  /**
   * The interval's on-chain cancels at the reference block (the contract accepts none later, and `settle` refuses a
   * cancelled order): their orders, buy or sell, never enter the book. Absent: nothing is cancelled.
   */
  readonly cancelled?: OnChainCancels | undefined
}

/** The on-chain cancels of one interval (`cancelOrder`, `cancelNonces`), lower-case accounts and ids. */
export interface OnChainCancels {
  /** Account => ids of its orders cancelled by `cancelOrder`. */
  readonly orders: ReadonlyMap<string, ReadonlySet<string>>
  /** Account => every nonce below this is cancelled (`cancelNonces(interval, upTo)` gives upTo + 1). */
  readonly nonceFloor: ReadonlyMap<string, bigint>
}

/**
 * Whether `settle` refuses the order as cancelled on chain (the contract's `isCancelled`).
 *
 * @example
 * isCancelledOnChain(order, { orders: new Map([[account, new Set([order.id])]]), nonceFloor: new Map() }) // true
 */
export function isCancelledOnChain(o: VerifiedOrder, cancels: OnChainCancels): boolean {
  const account = o.order.account.toLowerCase()
  if (cancels.orders.get(account)?.has(o.id.toLowerCase())) return true
  const floor = cancels.nonceFloor.get(account)
  return floor !== undefined && o.order.nonce < floor
}

/**
 * The most a buy order can cost on chain: floor(quantityWh · limitPrice / 1000). Its trades pay at most its limit
 * for at most its quantity, and the sum of their floored amounts is at most the floor of the sum.
 *
 * @example
 * buyExposure(order) // 600 Wh at a 240,000 limit: 144,000 token units
 */
export function buyExposure(o: VerifiedOrder): bigint {
  return (o.order.quantityWh * o.order.limitPrice) / 1000n
}

/**
 * The deterministic pre-clearing escrow rule: from a book (`selectBook`), keeps
 * - no order cancelled on chain (`cover.cancelled`, buy or sell: `settle` would refuse it), dropped before the
 *   budget is applied;
 * - no order of an account absent from `cover` (not registered for the interval: the contract would refuse it);
 * - every sell order of a registered account;
 * - per buyer, its buy orders in ascending (nonce, id) order, each one whose exposure (`buyExposure`) still fits
 *   in what is left of the buyer's spendable amount; an order that does not fit is left out, later ones may fit.
 * So whatever the matcher does with the kept orders, no buyer's payments exceed its spendable amount, and
 * settlement cannot fail for lack of escrow. Pure, and independent of the book's order: the kept set is the same
 * for any permutation, and kept orders keep their order in the book.
 *
 * @example
 * const book = coverEscrow(selectBook(orders, cancels, { interval }), { spendable: new Map([[buyer, 150_000n]]) })
 */
export function coverEscrow(all: readonly VerifiedOrder[], cover: EscrowCover): VerifiedOrder[] {
  const cancels = cover.cancelled
  const book = cancels ? all.filter((o) => !isCancelledOnChain(o, cancels)) : all
  const buys = new Map<string, VerifiedOrder[]>()
  for (const o of book) {
    if (o.order.side !== Side.Buy) continue
    const account = o.order.account.toLowerCase()
    if (!cover.spendable.has(account)) continue
    const list = buys.get(account)
    if (list) list.push(o)
    else buys.set(account, [o])
  }
  const kept = new Set<VerifiedOrder>()
  for (const [account, list] of buys) {
    list.sort(byNonceThenId)
    let left = cover.spendable.get(account)!
    for (const o of list) {
      const cost = buyExposure(o)
      if (cost > left) continue
      left -= cost
      kept.add(o)
    }
  }
  return book.filter((o) =>
    o.order.side === Side.Buy ? kept.has(o) : cover.spendable.has(o.order.account.toLowerCase()),
  )
}

function byNonceThenId(a: VerifiedOrder, b: VerifiedOrder): number {
  if (a.order.nonce !== b.order.nonce) return a.order.nonce < b.order.nonce ? -1 : 1
  const x = a.id.toLowerCase()
  const y = b.id.toLowerCase()
  return x < y ? -1 : x > y ? 1 : 0
}

/** What the escrow cover of one interval is computed from (docs/protocol.md, "Escrow cover"). */
export interface EscrowCoverInput {
  /** The interval's on-chain cancels at the reference block, if any. */
  readonly cancelled?: OnChainCancels | undefined
  /** The households registered for the interval. */
  readonly members: Iterable<string>
  /** `availableOf` at the interval's reference block, by account (any case); a member without an entry has 0. */
  readonly available: ReadonlyMap<string, bigint>
  /**
   * The trades of the earlier agreed intervals not settled at the reference block: what is still owed (a grid
   * clearing's trades with their fees, which the buyer pays on top of the amount).
   */
  readonly pending: readonly (readonly Pick<Trade, 'buyer' | 'seller' | 'amount' | 'fee'>[])[]
}

/**
 * The escrow cover of an interval: each member may spend its available escrow at the reference block minus, for
 * every pending interval, what it owes there (amounts and network fees it buys) net of its own sales in it (the
 * contract debits net per interval), never below 0.
 *
 * @example
 * const cover = escrowCoverOf({ members, available, pending: [previous.trades] })
 * const result = clear(orders, { ...params, escrow: cover })
 */
export function escrowCoverOf(input: EscrowCoverInput): EscrowCover {
  const available = new Map([...input.available].map(([a, v]) => [a.toLowerCase(), v]))
  const owed = new Map<string, bigint>()
  for (const trades of input.pending) {
    const net = new Map<string, bigint>()
    for (const t of trades) {
      const buyer = t.buyer.toLowerCase()
      const seller = t.seller.toLowerCase()
      net.set(buyer, (net.get(buyer) ?? 0n) + t.amount + (t.fee ?? 0n))
      net.set(seller, (net.get(seller) ?? 0n) - t.amount)
    }
    for (const [a, v] of net) if (v > 0n) owed.set(a, (owed.get(a) ?? 0n) + v)
  }
  const spendable = new Map<string, bigint>()
  for (const m of input.members) {
    const a = m.toLowerCase()
    const left = (available.get(a) ?? 0n) - (owed.get(a) ?? 0n)
    spendable.set(a, left > 0n ? left : 0n)
  }
  return input.cancelled ? { spendable, cancelled: input.cancelled } : { spendable }
}
