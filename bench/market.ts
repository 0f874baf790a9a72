/**
 * `npm run bench:market`: the whole clearing of random order sets of 1k..1M orders with the default rule (k-DA),
 * from the validated orders and cancels a node holds at gate closure to trades and prices (selection, sorting,
 * matching: the path `clear()` takes, without the root), against sorting as many Float64 prices in the same run;
 * the same with grid fees and feeder limits on (`clear-grid-N`, 3 feeders); the selection alone; the result-root
 * hashing on its own (it builds the trade objects, which the clearing leaves to the first reader); and order
 * verification.
 */
import type { Address } from 'viem'
import { keccak256, toHex } from 'viem'
import type { GridClearing } from '../src/core/market/grid.js'
import { matchPositions } from '../src/core/market/match.js'
import { matchGrid } from '../src/core/market/matchGrid.js'
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
  const runs = n >= 1_000_000 ? 3 : n >= 100_000 ? 7 : 21
  const prices = new Float64Array(n)
  for (let i = 0; i < n; i++) prices[i] = Number(orders[i]!.order.limitPrice) + Math.random()
  const baselineMs = timeMs(() => prices.slice().sort(), runs)
  const selectMs = timeMs(() => selectPositions(orders, cancels, params), runs)
  let result: MatchResult | undefined
  const ms = timeMs(() => {
    result = matchPositions(orders, selectPositions(orders, cancels, params), params)
  }, runs)
  const trades = result!.trades.length
  const rootMs = timeMs(() => resultRoot(result!), runs)
  rows.push({
    bench: 'market',
    case: `clear-${n}`,
    ms: round(ms),
    baselineMs: round(baselineMs),
    ratio: round(ms / baselineMs),
    trades,
    peakRssMb: peakRssMb(),
  })
  rows.push({ bench: 'market', case: `select-${n}`, ms: round(selectMs) })
  rows.push({ bench: 'market', case: `root-${n}`, ms: round(rootMs), trades })
  if (n <= 100_000) {
    const grid = gridOf(orders)
    let gridResult: MatchResult | undefined
    const gridMs = timeMs(() => {
      gridResult = matchGrid(orders, selectPositions(orders, cancels, params), params, grid)
    }, runs)
    rows.push({
      bench: 'market',
      case: `clear-grid-${n}`,
      ms: round(gridMs),
      baselineMs: round(baselineMs),
      ratio: round(gridMs / baselineMs),
      trades: gridResult!.trades.length,
      volumeWh: Number(gridResult!.volumeWh),
      unconstrainedVolumeWh: Number(result!.volumeWh),
    })
  }
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
