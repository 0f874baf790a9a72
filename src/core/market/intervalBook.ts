import { OrderError, OrderErrorCode } from '../order/errors.js'
import type { SignedCancel, VerifiedOrder } from '../order/types.js'
import { setHash } from '../protocol/announcements.js'
import { selectBook } from './selectBook.js'

export type AddOutcome = 'added' | 'duplicate'

/**
 * The messages a node holds for one interval, as they arrive: verified orders and cancels by id. Adding is
 * idempotent; a second, different order in a (account, nonce) slot is kept (so the slot is voided by
 * `selectBook`, the same on every node that sees both) and reported as `ORDER_DUPLICATE_NONCE`, so the network
 * layer can penalise the equivocating household. Freezing at gate closure gives the set's ids and hash.
 *
 * @example
 * const book = new IntervalBook(1_500_000n)
 * book.addOrder(verified) // 'added'
 * clear(book.orders(), params, book.cancels())
 */
export class IntervalBook {
  readonly #orders = new Map<string, VerifiedOrder>()
  readonly #cancels = new Map<string, SignedCancel & { id: string }>()
  readonly #slots = new Map<string, string>()
  #frozen = false

  constructor(readonly interval: bigint) {}

  /** Adds a verified order of this interval. Throws ORDER_DUPLICATE_NONCE (after storing it) on equivocation. */
  addOrder(o: VerifiedOrder): AddOutcome {
    const id = o.id.toLowerCase()
    if (this.#orders.has(id)) return 'duplicate'
    this.#orders.set(id, o)
    const slot = `${o.order.account.toLowerCase()}:${o.order.nonce}`
    const first = this.#slots.get(slot)
    if (first === undefined) this.#slots.set(slot, id)
    else throw new OrderError(OrderErrorCode.DuplicateNonce, 'nonce', 'two different orders for one slot', slot)
    return 'added'
  }

  /** Adds a verified cancel (id = its EIP-712 digest). */
  addCancel(c: SignedCancel, id: string): AddOutcome {
    const key = id.toLowerCase()
    if (this.#cancels.has(key)) return 'duplicate'
    this.#cancels.set(key, { ...c, id: key })
    return 'added'
  }

  has(id: string): boolean {
    const key = id.toLowerCase()
    return this.#orders.has(key) || this.#cancels.has(key)
  }

  /** Marks the set as frozen at gate closure; reconciliation may still add messages fetched from peers. */
  freeze(): void {
    this.#frozen = true
  }

  get frozen(): boolean {
    return this.#frozen
  }

  orders(): VerifiedOrder[] {
    return [...this.#orders.values()]
  }

  cancels(): SignedCancel[] {
    return [...this.#cancels.values()]
  }

  /** Every message id held (orders and cancels), sorted. */
  ids(): string[] {
    return [...this.#orders.keys(), ...this.#cancels.keys()].sort()
  }

  /** The set hash announced in digests: equal hashes mean equal message sets. */
  setHash(): `0x${string}` {
    return setHash(this.ids() as `0x${string}`[])
  }

  /** The deterministic book of this set (see selectBook). */
  book(lengthS?: number): VerifiedOrder[] {
    return selectBook(
      this.orders(),
      this.cancels(),
      lengthS === undefined ? { interval: this.interval } : { interval: this.interval, lengthS },
    )
  }
}
