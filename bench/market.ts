/**
 * `npm run bench:market`: clearing time of random books of 1k..1M orders with the default rule (k-DA) against
 * sorting as many Float64 prices in the same run, the result-root hashing on its own, and order verification.
 */
import { keccak256, toHex } from 'viem'
import { match } from '../src/core/market/match.js'
import { resultRoot } from '../src/core/market/resultRoot.js'
import { selectBook } from '../src/core/market/selectBook.js'
import { randomBook, TEST_DOMAIN } from '../src/core/market/testBooks.js'
import type { ClearingParams } from '../src/core/market/types.js'
import { prepareDomain } from '../src/core/order/eip712.js'
import { recoverAddress, secp256k1Backend } from '../src/core/order/secp256k1.js'
import { accountOf, signOrder } from '../src/core/order/signOrder.js'
import { Side } from '../src/core/order/types.js'
import { verifyOrder } from '../src/core/order/verifyOrder.js'
import { peakRssMb, report, timeMs } from './args.js'

const rows: Record<string, unknown>[] = []
const params: ClearingParams = { rule: 'k-da', interval: 100n, retailPrice: 300_000n, feedInPrice: 80_000n }

for (const n of [1_000, 10_000, 100_000, 1_000_000]) {
  const orders = randomBook(n, n)
  const runs = n >= 1_000_000 ? 3 : n >= 100_000 ? 7 : 21
  const prices = new Float64Array(n)
  for (let i = 0; i < n; i++) prices[i] = Number(orders[i]!.order.limitPrice) + Math.random()
  const baselineMs = timeMs(() => prices.slice().sort(), runs)
  // The node builds an interval's book as orders arrive; clearing is the matching of that book.
  const book = selectBook(orders, [], params)
  const selectMs = timeMs(() => selectBook(orders, [], params), runs)
  let result = match(book, params)
  const ms = timeMs(() => {
    result = match(book, params)
  }, runs)
  const rootMs = timeMs(() => resultRoot(result), runs)
  const round = (x: number) => Math.round(x * 100) / 100
  rows.push({
    bench: 'market',
    case: `clear-${n}`,
    ms: round(ms),
    baselineMs: round(baselineMs),
    ratio: round(ms / baselineMs),
    trades: result.trades.length,
    peakRssMb: peakRssMb(),
  })
  rows.push({ bench: 'market', case: `select-${n}`, ms: round(selectMs) })
  rows.push({ bench: 'market', case: `root-${n}`, ms: round(rootMs), trades: result.trades.length })
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
