import type { GridClearing } from './grid.js'

/**
 * The answers of a grid's `feederOf` remembered per account, across clearings. A caller's `feederOf` is a lookup
 * keyed by the account string (a `Map` get, usually after lower-casing it), and V8 hashes a string key in full on
 * every get: ~0.3-0.8 us an order, more than the whole rest of the clearing. The households of a market are the
 * same from one interval to the next, so the clearing asks `feederOf` once per account and then finds the answer
 * in a flat table keyed by a hash of the account's last 12 characters, compared exactly (`===`) on a hash match.
 *
 * `feederOf` must be pure (grid.ts says so): its answer for an account never changes. The memo belongs to the
 * function object, so a grid rebuilt with a new `feederOf` starts afresh; it is bounded (see `MAX_ACCOUNTS`) and
 * starts afresh too when it outgrows four times the book it serves, so accounts that stopped trading do not pile up.
 */
class FeederMemo {
  #mask = 0
  /** table[2t] = an account's hash, table[2t + 1] = 1 + its entry (0 = empty). */
  #table = new Int32Array(0)
  #accounts: string[] = []
  #answers: (number | undefined)[] = []

  constructor(private readonly feederOf: GridClearing['feederOf']) {
    this.#reset(1_024)
  }

  /** Makes room for a book of `n` orders (every one a new account at worst) within the memo's bounds. */
  prepare(n: number): void {
    const count = this.#accounts.length
    if (count + n > MAX_ACCOUNTS || count > 4 * n + 65_536) this.#reset(n)
    else if (2 * (count + n) > this.#mask) this.#grow(count + n)
  }

  /** `feederOf(account)`, asked once per account; `hash` = `accountHash(account)`. */
  feederAt(account: string, hash: number): number | undefined {
    const table = this.#table
    const mask = this.#mask
    for (let t = hash & mask; ; t = (t + 1) & mask) {
      const e = table[2 * t + 1]!
      if (e === 0) {
        const answer = this.feederOf(account as `0x${string}`)
        table[2 * t] = hash
        table[2 * t + 1] = this.#accounts.push(account)
        this.#answers.push(answer)
        return answer
      }
      if (table[2 * t] === hash && this.#accounts[e - 1] === account) return this.#answers[e - 1]
    }
  }

  /**
   * For each of the first `n` hashes, the entry of the first account held with that hash (-1: none), for
   * `answerAt` to confirm: a tight pass over the table alone, whose random reads overlap.
   */
  guesses(hashes: Int32Array, n: number, out: Int32Array): void {
    const table = this.#table
    const mask = this.#mask
    for (let i = 0; i < n; i++) {
      const hash = hashes[i]!
      let t = hash & mask
      while (table[2 * t + 1] !== 0 && table[2 * t] !== hash) t = (t + 1) & mask
      out[i] = table[2 * t + 1]! - 1
    }
  }

  /** `feederAt(account, hash)`, answered from entry `guess` when it holds this very account. */
  answerAt(account: string, hash: number, guess: number): number | undefined {
    return guess >= 0 && this.#accounts[guess] === account ? this.#answers[guess] : this.feederAt(account, hash)
  }

  #reset(n: number): void {
    this.#accounts = []
    this.#answers = []
    this.#grow(n)
  }

  /** A table for `n` accounts at load <= 1/2, with the entries held re-inserted. */
  #grow(n: number): void {
    this.#mask = 2 ** Math.max(10, Math.ceil(Math.log2(2 * n + 2))) - 1
    this.#table = new Int32Array(2 * (this.#mask + 1))
    this.#accounts.forEach((a, e) => {
      let t = accountHash(a) & this.#mask
      while (this.#table[2 * t + 1] !== 0) t = (t + 1) & this.#mask
      this.#table[2 * t] = accountHash(a)
      this.#table[2 * t + 1] = e + 1
    })
  }
}

/** At most this many accounts are remembered per `feederOf` (some 100 MB of table and strings at worst). */
const MAX_ACCOUNTS = 2 ** 21

const memos = new WeakMap<GridClearing['feederOf'], FeederMemo>()

/** The memo of `grid.feederOf`, ready for a book of `n` orders. */
export function feederMemo(grid: GridClearing, n: number): FeederMemo {
  let memo = memos.get(grid.feederOf)
  if (memo === undefined) {
    memo = new FeederMemo(grid.feederOf)
    memos.set(grid.feederOf, memo)
  }
  memo.prepare(n)
  return memo
}

/**
 * FNV-1a of an account's last 12 characters, lower-cased: 48 bits of a keccak-derived address, so accounts differ
 * there (an int32). Accounts equal ignoring case (`toLowerCase`) hash equally, which the order book's slots and cancels rely
 * on: an ASCII tail folds letter by letter, any other is hashed as `toLowerCase` makes it (0 if not ASCII then).
 */
export function accountHash(a: string): number {
  const h = asciiHash(a)
  if (h >= 0) return h | 0
  const lower = asciiHash(a.toLowerCase())
  return lower >= 0 ? lower | 0 : 0
}

/** The hash of an ASCII tail (as a non-negative number), -1 for a tail with any other character. */
function asciiHash(a: string): number {
  let h = 0x811c9dc5
  for (let k = a.length - 12; k < a.length; k++) {
    let c = a.charCodeAt(k)
    if (c >= 128) return -1
    if (c >= 65 && c <= 90) c += 32
    h = Math.imul(h ^ c, 0x01000193)
  }
  return h >>> 0
}
