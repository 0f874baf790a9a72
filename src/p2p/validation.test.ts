import type { Address, Hex } from 'viem'
import { generatePrivateKey } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { TEST_DOMAIN as domain } from '../core/market/testBooks.js'
import { signCancel, signOrder } from '../core/order/signOrder.js'
import { type Order, Side, type SignedOrder, type VerifiedOrder } from '../core/order/types.js'
import { encodeGossip, MAX_GOSSIP_BYTES } from '../core/protocol/index.js'
import { gateClosureMs, intervalStartMs, marketTime } from '../core/time/interval.js'
import { accountOf } from './accountSig.js'
import { makeDigest, makeResult } from './digest.js'
import {
  decodeGossipMessage,
  type Judgement,
  MAX_RESULTS_PER_INTERVAL,
  type ValidationContext,
  validateCancel,
  validateDigest,
  validateFetched,
  validateFetchedResult,
  validateOrder,
  validateResult,
} from './validation.js'

const market = `0x${'ab'.repeat(32)}` as Hex
const otherMarket = `0x${'cd'.repeat(32)}` as Hex
const time = marketTime({ lengthS: 60, gateClosureS: 10, maxSkewS: 1 })
const K = 30_000_000n
/** Well before the gate closure of K. */
const OPEN = intervalStartMs(time, Number(K)) - 30_000
const key = generatePrivateKey()
const account = accountOf(key)
const stranger = generatePrivateKey()
const relay = 'relay-peer'
const own = 'household-peer'

function order(over: Partial<Order> = {}, k = key): VerifiedOrder {
  const o: Order = {
    market,
    interval: K,
    side: Side.Buy,
    quantityWh: 500n,
    limitPrice: 150_000n,
    account: accountOf(k),
    nonce: 0n,
    expiry: (K + 10n) * 60n,
    ...over,
  }
  return signOrder(k, domain, o)
}

/** A node that holds nothing, registered `account`, with a token left and the clock at `OPEN`. */
function context(over: Partial<ValidationContext> = {}): ValidationContext {
  return {
    domain,
    market,
    time,
    now: () => OPEN,
    registry: { size: 1, has: (a: Address) => a === account },
    maxOrdersPerInterval: 4,
    maxIntervalsAhead: 96,
    hasToken: () => true,
    accountOfPeer: (p) => (p === own ? account : undefined),
    known: () => ({ have: false, othersInSlot: 0 }),
    knownCancel: () => false,
    digestOf: () => undefined,
    resultOf: () => undefined,
    resultCount: () => 0,
    staleAfter: (k) => gateClosureMs(time, Number(k)) + 120_000,
    ...over,
  }
}

const verdict = <T>(j: Judgement<T>) => `${j.verdict}:${j.code}`
const from = (propagationSource: string) => ({ propagationSource })

describe('decodeGossipMessage', () => {
  it('rejects oversized and undecodable bytes, accepts a message', () => {
    expect(verdict(decodeGossipMessage(new Uint8Array(MAX_GOSSIP_BYTES + 1)))).toBe('reject:TOO_LARGE')
    expect(verdict(decodeGossipMessage(Uint8Array.from([0xff, 0xff, 0xff])))).toBe('reject:DECODE')
    const j = decodeGossipMessage(encodeGossip({ type: 'order', order: order() }))
    expect(j.verdict === 'accept' && j.value.type).toBe('order')
  })
})

describe('validateOrder', () => {
  const judge = (o: SignedOrder, over: Partial<ValidationContext> = {}, src = relay) =>
    verdict(validateOrder(context(over), o, from(src)))

  it('accepts a valid order, and the second of a slot as equivocation evidence', () => {
    const j = validateOrder(context(), order(), from(relay))
    expect(verdict(j)).toBe('accept:ACCEPTED')
    expect(j.verdict === 'accept' && j.value.order.account).toBe(account)
    expect(judge(order(), { known: () => ({ have: false, othersInSlot: 1 }) })).toBe('accept:EQUIVOCATION')
  })

  it('rejects content errors: nonce range, shape, market, expiry, signature, registry', () => {
    expect(judge(order({ nonce: 4n }))).toBe('reject:NONCE_RANGE')
    expect(judge(order({ quantityWh: 0n }))).toBe('reject:SHAPE')
    expect(judge(order({ market: otherMarket }))).toBe('reject:WRONG_MARKET')
    expect(judge(order({ expiry: K * 60n }))).toBe('reject:EXPIRED')
    const forged = { ...order(), signature: order({}, stranger).signature }
    expect(judge(forged)).toBe('reject:BAD_SIGNATURE')
    expect(judge(order({}, stranger))).toBe('reject:UNREGISTERED')
  })

  it('ignores what depends on the clock or on what the node holds', () => {
    expect(judge(order(), { now: () => gateClosureMs(time, Number(K)) + 5_000 })).toBe('ignore:LATE')
    expect(judge(order({ interval: K + 200n, expiry: (K + 210n) * 60n }))).toBe('ignore:TOO_FAR_AHEAD')
    expect(judge(order(), { known: () => ({ have: true, othersInSlot: 0 }) })).toBe('ignore:DUPLICATE')
    expect(judge(order(), { known: () => ({ have: false, othersInSlot: 2 }) })).toBe('ignore:SLOT_FULL')
  })

  it('over the rate limit: rejects the household itself, ignores a relay', () => {
    const empty = { hasToken: () => false }
    expect(judge(order(), empty, own)).toBe('reject:RATE_LIMITED')
    expect(judge(order(), empty, relay)).toBe('ignore:RATE_LIMITED')
  })

  it('only judges: the same message gets the same verdict twice (no token taken, nothing recorded)', () => {
    let tokens = 1
    const ctx = context({ hasToken: () => tokens > 0 })
    const o = order()
    expect([validateOrder(ctx, o, from(own)).verdict, validateOrder(ctx, o, from(own)).verdict]).toEqual([
      'accept',
      'accept',
    ])
    tokens = 0
    expect(validateOrder(ctx, o, from(own)).verdict).toBe('reject')
  })
})

describe('validateCancel', () => {
  const cancel = (over: { market?: Hex; interval?: bigint } = {}, k = key) =>
    signCancel(k, domain, { market, interval: K, account: accountOf(k), orderId: order().id, ...over })
  const judge = (c: ReturnType<typeof cancel>, over: Partial<ValidationContext> = {}, src = relay) =>
    verdict(validateCancel(context(over), c, from(src)))

  it('accepts, and judges each failure', () => {
    expect(judge(cancel())).toBe('accept:ACCEPTED')
    expect(judge(cancel({ market: otherMarket }))).toBe('reject:WRONG_MARKET')
    expect(judge(cancel(), { now: () => gateClosureMs(time, Number(K)) + 5_000 })).toBe('ignore:LATE')
    // The window of orders: 96 intervals ahead is the last one a cancel (like an order) may name.
    expect(judge(cancel({ interval: K + 200n }))).toBe('ignore:TOO_FAR_AHEAD')
    expect(judge(cancel({ interval: 2n ** 63n }))).toBe('ignore:TOO_FAR_AHEAD')
    expect(judge(cancel(), { now: () => intervalStartMs(time, Number(K)) - 96 * 60_000 })).toBe('accept:ACCEPTED')
    expect(judge(cancel(), { now: () => intervalStartMs(time, Number(K)) - 97 * 60_000 })).toBe('ignore:TOO_FAR_AHEAD')
    expect(judge({ ...cancel(), signature: cancel({}, stranger).signature })).toBe('reject:BAD_SIGNATURE')
    expect(judge(cancel({}, stranger))).toBe('reject:UNREGISTERED')
    expect(judge(cancel(), { knownCancel: () => true })).toBe('ignore:DUPLICATE')
    expect(judge(cancel(), { hasToken: () => false }, own)).toBe('reject:RATE_LIMITED')
    expect(judge(cancel(), { hasToken: () => false }, relay)).toBe('ignore:RATE_LIMITED')
  })
})

describe('validateDigest and validateResult', () => {
  const ids = [`0x${'11'.repeat(32)}`, `0x${'22'.repeat(32)}`] as Hex[]
  const digest = (k = key, m = market) => makeDigest(k, domain, accountOf(k), m, K, ids)
  const afterClosure = { now: () => gateClosureMs(time, Number(K)) + 3_000 }
  const result = (k = key, m = market) =>
    makeResult(k, domain, {
      market: m,
      interval: K,
      setHash: digest().body.setHash,
      root: ids[0]!,
      tradeCount: 1,
      account: accountOf(k),
    })

  it('accepts a digest after gate closure with its listed ids', () => {
    const j = validateDigest(context(afterClosure), digest())
    expect(verdict(j)).toBe('accept:ACCEPTED')
    expect(j.verdict === 'accept' && j.value).toEqual(ids)
  })

  it('judges each digest failure', () => {
    const judge = (d: ReturnType<typeof digest>, over: Partial<ValidationContext> = {}) =>
      verdict(validateDigest(context({ ...afterClosure, ...over }), d))
    expect(judge({ ...digest(), body: { ...digest().body, count: 3 } })).toBe('reject:SHAPE')
    expect(judge(digest(key, otherMarket))).toBe('reject:WRONG_MARKET')
    expect(judge({ ...digest(), signature: digest(stranger).signature })).toBe('reject:BAD_SIGNATURE')
    expect(judge(digest(stranger))).toBe('reject:UNREGISTERED')
    expect(judge(digest(), { now: () => OPEN })).toBe('ignore:LATE')
    expect(judge(digest(), { now: () => gateClosureMs(time, Number(K)) + 200_000 })).toBe('ignore:STALE')
    expect(judge(digest(), { digestOf: () => ids[0] })).toBe('ignore:CONFLICT')
  })

  it('judges results: accept, repeat, signature, market, registry', () => {
    const judge = (r: ReturnType<typeof result>, over: Partial<ValidationContext> = {}) =>
      verdict(validateResult(context({ ...afterClosure, ...over }), r, from(relay)))
    expect(judge(result())).toBe('accept:ACCEPTED')
    expect(judge(result(), { resultOf: () => ids[0] })).toBe('ignore:DUPLICATE')
    expect(judge(result(), { resultOf: () => ids[1] })).toBe('accept:ACCEPTED')
    expect(judge({ ...result(), signature: result(stranger).signature })).toBe('reject:BAD_SIGNATURE')
    expect(judge(result(key, otherMarket))).toBe('reject:WRONG_MARKET')
    expect(judge(result(stranger))).toBe('reject:UNREGISTERED')
  })

  it('rate-limits results per household and interval: REJECT from its own node, IGNORE from a relay', () => {
    const judge = (count: number, src: string) =>
      verdict(validateResult(context({ ...afterClosure, resultCount: () => count }), result(), from(src)))
    expect(judge(MAX_RESULTS_PER_INTERVAL - 1, own)).toBe('accept:ACCEPTED')
    expect(judge(MAX_RESULTS_PER_INTERVAL, own)).toBe('reject:RATE_LIMITED')
    expect(judge(MAX_RESULTS_PER_INTERVAL, relay)).toBe('ignore:RATE_LIMITED')
    // A repeat of the last root stays a harmless duplicate, also at the limit.
    const repeat = context({ ...afterClosure, resultCount: () => 9, resultOf: () => ids[0] })
    expect(verdict(validateResult(repeat, result(), from(own)))).toBe('ignore:DUPLICATE')
  })

  it('a fetched result: no timing, but of this interval and registered', () => {
    const ctx = context()
    expect(verdict(validateFetchedResult(ctx, K, { type: 'result', result: result() }))).toBe('accept:ACCEPTED')
    expect(verdict(validateFetchedResult(ctx, K + 1n, { type: 'result', result: result() }))).toBe('reject:SHAPE')
    expect(verdict(validateFetchedResult(ctx, K, { type: 'result', result: result(stranger) }))).toBe(
      'reject:UNREGISTERED',
    )
  })
})

describe("the registry of the message's interval", () => {
  // `account` is removed from K + 1 on, `stranger` registered from K + 1 on (boundaries of the contract).
  const registry = {
    size: 1,
    has: () => true,
    at: (k: bigint) => {
      const member = k <= K ? account : accountOf(stranger)
      return { size: 1, has: (a: Address) => a === member }
    },
  }
  const afterClosure = { now: () => gateClosureMs(time, Number(K)) + 2_000 }

  it('judges orders against their own interval: REJECT only if never registered for it', () => {
    const judge = (o: SignedOrder) => verdict(validateOrder(context({ registry }), o, from(relay)))
    expect(judge(order())).toBe('accept:ACCEPTED')
    expect(judge(order({}, stranger))).toBe('reject:UNREGISTERED')
    // After the open interval the registry may still change (a registration not yet read): IGNORE, no penalty.
    expect(judge(order({ interval: K + 1n, expiry: (K + 11n) * 60n }, stranger))).toBe('accept:ACCEPTED')
    expect(judge(order({ interval: K + 1n, expiry: (K + 11n) * 60n }))).toBe('ignore:UNREGISTERED')
    // A fixed registry (no `at`) refuses an unregistered account for every interval.
    const fixed = context({ registry: { size: 1, has: (a: Address) => a === account } })
    expect(
      verdict(validateOrder(fixed, order({ interval: K + 1n, expiry: (K + 11n) * 60n }, stranger), from(relay))),
    ).toBe('reject:UNREGISTERED')
  })

  it('a result of the interval before a removal stays valid after the boundary, for every node', () => {
    const root = `0x${'11'.repeat(32)}` as Hex
    const res = (k: bigint, pk: Hex) =>
      makeResult(pk, domain, { market, interval: k, account: accountOf(pk), root, setHash: root, tradeCount: 0 })
    const later = { now: () => gateClosureMs(time, Number(K + 1n)) + 2_000 }
    const judge = (r: ReturnType<typeof res>, now = afterClosure) =>
      verdict(validateResult(context({ registry, ...now }), r, from(relay)))
    expect(judge(res(K, key))).toBe('accept:ACCEPTED')
    expect(judge(res(K, key), later)).toBe('accept:ACCEPTED')
    expect(judge(res(K + 1n, key), later)).toBe('reject:UNREGISTERED')
    expect(judge(res(K, stranger), later)).toBe('reject:UNREGISTERED')
    expect(judge(res(K + 1n, stranger), later)).toBe('accept:ACCEPTED')
    const fetched = (r: ReturnType<typeof res>, k: bigint) =>
      verdict(validateFetchedResult(context({ registry }), k, { type: 'result', result: r }))
    expect(fetched(res(K, key), K)).toBe('accept:ACCEPTED')
    expect(fetched(res(K + 1n, key), K + 1n)).toBe('reject:UNREGISTERED')
  })
})

describe('validateFetched', () => {
  const o = order()
  const wanted = new Set([o.id.toLowerCase() as Hex])
  const judge = (m: Parameters<typeof validateFetched>[3], k = K, w: ReadonlySet<Hex> = wanted) =>
    verdict(validateFetched(context(), k, w, m))

  it('accepts an asked-for order without timing (also after gate closure)', () => {
    const j = validateFetched(context({ now: () => Number.MAX_SAFE_INTEGER }), K, wanted, { type: 'order', order: o })
    expect(verdict(j)).toBe('accept:ACCEPTED')
    expect(j.verdict === 'accept' && j.value.id).toBe(o.id.toLowerCase())
  })

  it('rejects another interval, an unasked id, a bad nonce, a stranger and a forged signature', () => {
    expect(judge({ type: 'order', order: o }, K + 1n)).toBe('reject:SHAPE')
    expect(judge({ type: 'order', order: o }, K, new Set())).toBe('reject:SHAPE')
    expect(judge({ type: 'order', order: order({ nonce: 9n }) })).toBe('reject:NONCE_RANGE')
    const s = order({}, stranger)
    expect(judge({ type: 'order', order: s }, K, new Set([s.id.toLowerCase() as Hex]))).toBe('reject:UNREGISTERED')
    expect(judge({ type: 'order', order: { ...o, signature: s.signature } })).toBe('reject:BAD_SIGNATURE')
  })
})
