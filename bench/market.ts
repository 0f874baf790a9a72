/**
 * `npm run bench:market`: `clear-N` is the whole clearing of random order sets of 1k..1M orders with the default
 * rule (k-DA) and grid fees and feeder limits on (3 feeders, `clearSet`: the path `clear()` takes, without the
 * root), from the validated orders and cancels a node holds at gate closure to trades and prices (selection,
 * sorting, matching), against sorting as many Float64 prices in the same run (`ratio`); the same without the grid
 * (`clear-plain-N`); `coldMs`: one clearing with a grid whose `feederOf` answers are not yet remembered (a
 * node's first interval; later ones find each known account's feeder in the memo); the selection alone; the
 * result-root hashing on its own (it builds the trade objects, which the clearing leaves to the first reader); and
 * order verification. `ms`, `baselineMs` and `coldMs` are CPU times (see `interleavedMs`), the others wall times.
 */
import type { Address } from 'viem'
import { keccak256, toHex } from 'viem'
import { clearSet } from '../src/core/market/clear.js'
import type { GridClearing } from '../src/core/market/grid.js'
import { resultRoot } from '../src/core/market/resultRoot.js'
import { selectPositions } from '../src/core/market/selectBook.js'
import { randomBook, TEST_DOMAIN } from '../src/core/market/testBooks.js'
import type { ClearingParams, MatchResult } from '../src/core/market/types.js'
import { prepareDomain } from '../src/core/order/eip712.js'
import { recoverAddress, secp256k1Backend } from '../src/core/order/secp256k1.js'
import { accountOf, signOrder } from '../src/core/order/signOrder.js'
import { Side, type SignedCancel, type VerifiedOrder } from '../src/core/order/types.js'
import { verifyOrder } from '../src/core/order/verifyOrder.js'
import { peakRssMb, report, timeMs } from './args.js'

const rows: Record<string, unknown>[] = []
const params: ClearingParams = { rule: 'k-da', interval: 100n, retailPrice: 300_000n, feedInPrice: 80_000n }
const round = (x: number) => Math.round(x * 100) / 100
const only = process.argv.find((a) => a.startsWith('--max='))
const maxN = only ? Number(only.slice(6)) : 1_000_000

/** CPU time (user + system) of this process, ms, that `fn` takes. */
function cpuMs(fn: () => void): number {
  const t0 = process.cpuUsage()
  fn()
  const { user, system } = process.cpuUsage(t0)
  return (user + system) / 1000
}

/**
 * Median CPU time in ms of each function over `runs` rounds (after one warm-up round), the functions taking turns
 * within each round: on a shared machine a load change then hits the baseline and the clearing alike, and the
 * ratio stays a same-run figure. CPU time, not wall time: with more runnable processes than cores, wall time
 * counts the turns other processes take (a 100k-element sort was seen to take 10x its usual time); the process's
 * CPU time still counts its garbage collector's helper threads, so it does not flatter the clearing.
 */
function interleavedMs(fns: [() => void, () => void, () => void], runs: number): [number, number, number] {
  for (const fn of fns) fn()
  const times = fns.map(() => [] as number[])
  for (let r = 0; r < runs; r++) {
    fns.forEach((fn, i) => {
      times[i]!.push(cpuMs(fn))
    })
  }
  const median = (t: number[]) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!
  return [median(times[0]!), median(times[1]!), median(times[2]!)]
}

/** One in a thousand orders withdrawn by its own account, as a node's interval set holds them. */
function cancelsOf(orders: readonly VerifiedOrder[]): SignedCancel[] {
  return orders
    .filter((_, i) => i % 1_000 === 7)
    .map((o) => ({
      cancel: { market: o.order.market, interval: o.order.interval, account: o.order.account, orderId: o.id },
      signature: o.signature,
    }))
}

/** 3 feeders on one transformer, households assigned round robin; each feeder may export/import 2% of the book. */
function gridOf(orders: readonly VerifiedOrder[]): GridClearing {
  const feeder = new Map<Address, number>()
  let total = 0n
  orders.forEach((o, i) => {
    feeder.set(o.order.account, i % 3)
    total += o.order.quantityWh
  })
  const limit = { importWh: total / 50n, exportWh: total / 50n }
  return {
    feederOf: (a) => feeder.get(a),
    transformerOf: [0, 0, 0],
    feePerWh: [0n, 10n, 40n],
    feeRecipient: '0x00000000000000000000000000000000000000d5',
    limits: { feeders: [limit, limit, limit] },
  }
}

for (const n of [1_000, 10_000, 100_000, 1_000_000].filter((x) => x <= maxN)) {
  const orders = randomBook(n, n)
  const cancels = cancelsOf(orders)
  const runs = n >= 1_000_000 ? 5 : n >= 100_000 ? 9 : 21
  const prices = new Float64Array(n)
  for (let i = 0; i < n; i++) prices[i] = Number(orders[i]!.order.limitPrice) + Math.random()
  const grid = gridOf(orders)
  let result: MatchResult | undefined
  let plain: MatchResult | undefined
  const [baselineMs, ms, plainMs] = interleavedMs(
    [
      () => prices.slice().sort(),
      () => {
        result = clearSet(orders, params, cancels, grid)
      },
      () => {
        plain = clearSet(orders, params, cancels)
      },
    ],
    runs,
  )
  // The same clearing with a grid whose `feederOf` was never asked (a node's first interval, see feederMemo.ts).
  const fresh = gridOf(orders)
  const coldMs = cpuMs(() => clearSet(orders, params, cancels, fresh))
  const selectMs = timeMs(() => selectPositions(orders, cancels, params), runs)
  const rootMs = timeMs(() => resultRoot(result!), n >= 1_000_000 ? 1 : runs)
  const trades = result!.trades.length
  rows.push({
    bench: 'market',
    case: `clear-${n}`,
    ms: round(ms),
    baselineMs: round(baselineMs),
    ratio: round(ms / baselineMs),
    coldMs: round(coldMs),
    trades,
    volumeWh: Number(result!.volumeWh),
    unconstrainedVolumeWh: Number(plain!.volumeWh),
    peakRssMb: peakRssMb(),
  })
  rows.push({
    bench: 'market',
    case: `clear-plain-${n}`,
    ms: round(plainMs),
    baselineMs: round(baselineMs),
    ratio: round(plainMs / baselineMs),
    trades: plain!.trades.length,
  })
  rows.push({ bench: 'market', case: `select-${n}`, ms: round(selectMs) })
  rows.push({ bench: 'market', case: `root-${n}`, ms: round(rootMs), trades })
}

const key = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' as const
const domain = prepareDomain(TEST_DOMAIN)
const market = keccak256(toHex('gridlet/bench'))
const account = accountOf(key)
const signed = Array.from({ length: 2_000 }, (_, i) =>
  signOrder(key, domain, {
    market,
    interval: 1_000n,
    side: i % 2 === 0 ? Side.Buy : Side.Sell,
    quantityWh: BigInt(1 + i),
    limitPrice: 150_000n + BigInt(i),
    account,
    nonce: BigInt(i),
    expiry: 2n ** 40n,
  }),
)
const verifyMs = timeMs(() => {
  for (const s of signed) verifyOrder(s, { domain, market })
}, 5)
const digests = signed.map((s) => Buffer.from(s.id.slice(2), 'hex'))
const sigs = signed.map((s) => Buffer.from(s.signature.slice(2), 'hex'))
const recoverMs = timeMs(() => {
  for (let i = 0; i < signed.length; i++) recoverAddress(digests[i]!, sigs[i]!)
}, 5)
rows.push({
  bench: 'market',
  case: 'verify',
  perSecond: Math.round((signed.length / verifyMs) * 1000),
  rawRecoverPerSecond: Math.round((signed.length / recoverMs) * 1000),
  backend: secp256k1Backend,
})
report(rows)
