/**
 * Known-answer roots of seeded random clearings, plain and grid-aware: books with duplicates, equivocations,
 * cancels (some by another account), mixed-case ids and accounts, other intervals, early expiries, ties on price,
 * prices beyond 2^48 and out of bounds; grids with 1-4 feeders on 1-2 transformers, accounts off the network,
 * tight limits and fees from 0 to beyond any price. Sides reach past 1,024 orders so the radix sort runs.
 * `npx tsx protocols/vectors/randomClearings.ts --write` regenerates randomClearings.json (only when the clearing
 * is meant to change: the roots are consensus); `randomClearings.test.ts` checks the code against it.
 */
import { writeFileSync } from 'node:fs'
import { type Address, type Hex, keccak256, toHex } from 'viem'
import { clear } from '../../src/core/market/clear.js'
import type { FlowLimit, GridClearing } from '../../src/core/market/grid.js'
import { bookOrder } from '../../src/core/market/testBooks.js'
import type { ClearingParams, ClearingRule } from '../../src/core/market/types.js'
import { Side, type SignedCancel, type VerifiedOrder } from '../../src/core/order/types.js'

const SIZES = [0, 1, 2, 7, 40, 300, 2_600, 5_000]
export const CASES = 48

/** xorshift32 from a seed: uniform integers in [0, n). */
function generator(seed: number) {
  let s = seed >>> 0 || 1
  return (n: number) => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return Math.floor((s / 2 ** 32) * n)
  }
}

const upper = (x: string) => `0x${x.slice(2).toUpperCase()}`

export interface RandomCase {
  readonly orders: VerifiedOrder[]
  readonly cancels: SignedCancel[]
  readonly grid: GridClearing
  readonly k: { num: bigint; den: bigint }
}

/** The seeded book, cancels and grid of case `c`. */
export function randomCase(c: number): RandomCase {
  const r = generator(7_919 * (c + 1))
  const n = SIZES[c % SIZES.length]!
  const accounts = Array.from({ length: Math.max(1, Math.floor(n / (1 + r(3)))) }, (_, a) => {
    const hex = keccak256(toHex(`account-${c}-${a}`)).slice(0, 42) as Address
    return r(10) === 0 ? (upper(hex) as Address) : hex
  })
  const priceMode = r(4) // 0 wide, 1 narrow (ties), 2 some beyond 2^48, 3 tiny range
  const price = (): bigint => {
    if (priceMode === 2 && r(5) === 0) return r(20) === 0 ? 2n ** 96n - BigInt(r(2)) : 2n ** 48n + BigInt(r(1_000))
    if (priceMode === 1) return BigInt(200_000 + r(20) - 10)
    if (priceMode === 3) return BigInt(1 + r(3))
    return BigInt(100_000 + r(200_000))
  }
  const orders: VerifiedOrder[] = []
  for (let i = 0; i < n; i++) {
    const odd = r(50)
    const o = bookOrder(i + c * 10_000, {
      side: r(2) === 0 ? Side.Buy : Side.Sell,
      quantityWh: odd === 0 ? 0 : odd === 1 ? 2 ** 32 : odd === 2 ? 2 ** 32 - 1 : 1 + r(5_000),
      limitPrice: odd === 3 ? 0n : price(),
      account: accounts[r(accounts.length)]!,
      nonce: BigInt(r(4)),
      interval: odd === 4 ? 101n : 100n,
      expiry: odd === 5 ? 90_000n : 2n ** 40n,
    })
    orders.push(r(15) === 0 ? { ...o, id: upper(o.id) as Hex } : o)
    if (r(25) === 0) orders.push(o) // a duplicate, maybe of another case
  }
  for (let i = orders.length - 1; i > 0; i--) {
    const j = r(i + 1)
    ;[orders[i], orders[j]] = [orders[j]!, orders[i]!]
  }
  const cancels: SignedCancel[] = orders
    .filter(() => r(20) === 0)
    .map((o) => ({
      cancel: {
        market: o.order.market,
        interval: o.order.interval,
        account: r(4) === 0 ? accounts[r(accounts.length)]! : o.order.account,
        orderId: r(3) === 0 ? (upper(o.id) as Hex) : o.id,
      },
      signature: o.signature,
    }))
  return { orders, cancels, grid: gridOf(r, accounts), k: { num: BigInt(r(4)), den: BigInt(3 + r(3)) } }
}

function gridOf(r: (n: number) => number, accounts: readonly Address[]): GridClearing {
  const feeders = 1 + r(4)
  const transformerOf = Array.from({ length: feeders }, () => r(2))
  const feederOf = new Map<string, number>()
  for (const a of accounts) if (r(10) !== 0) feederOf.set(a.toLowerCase(), r(feeders))
  const f0 = BigInt(r(3) === 0 ? 0 : r(30))
  const f1 = f0 + BigInt(r(30))
  const f2 = r(8) === 0 ? 2n ** 50n : f1 + BigInt(r(60))
  const limit = (): FlowLimit | undefined =>
    r(3) === 0 ? undefined : { importWh: BigInt(r(r(4) === 0 ? 10 : 400_000)), exportWh: BigInt(r(400_000)) }
  return {
    feederOf: (a) => feederOf.get(a.toLowerCase()),
    transformerOf,
    feePerWh: [f0, f1, f2],
    feeRecipient: '0x00000000000000000000000000000000000000d5',
    limits: {
      feeders: transformerOf.map(limit),
      transformers: Array.from({ length: Math.max(...transformerOf) + 1 }, limit),
    },
  }
}

const PLAIN_RULES: ClearingRule[] = ['k-da', 'pay-as-bid', 'sdr', 'mmr']
const GRID_RULES: ClearingRule[] = ['k-da', 'pay-as-bid']

/** Per case: the result root of each plain rule and of each grid rule, and the trade counts (for reading). */
export function randomClearings() {
  return Array.from({ length: CASES }, (_, c) => {
    const { orders, cancels, grid, k } = randomCase(c)
    const params = (rule: ClearingRule): ClearingParams => ({
      rule,
      interval: 100n,
      k,
      retailPrice: 300_000n,
      feedInPrice: 80_000n,
    })
    const plain = PLAIN_RULES.map((rule) => clear(orders, params(rule), cancels))
    const gridded = GRID_RULES.map((rule) => clear(orders, params(rule), cancels, grid))
    return {
      case: c,
      orders: orders.length,
      plain: plain.map((x, i) => ({ rule: PLAIN_RULES[i], trades: x.trades.length, root: x.root })),
      grid: gridded.map((x, i) => ({ rule: GRID_RULES[i], trades: x.trades.length, root: x.root })),
    }
  })
}

if (process.argv.includes('--write')) {
  writeFileSync(new URL('randomClearings.json', import.meta.url), `${JSON.stringify(randomClearings(), null, 1)}\n`)
}
