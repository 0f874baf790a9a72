import { describe, expect, it } from 'vitest'
import { Side } from '../../src/core/order/types.js'
import { manualClock } from '../../src/core/time/clock.js'
import { intervalAt, intervalStartMs } from '../../src/core/time/interval.js'
import { marketClear } from '../../src/node/defaults.js'
import type { NetworkOutcome } from '../../src/node/ports.js'
import { fakeMeter, fakeSettlement, fixedForecast, KEYS, MARKET, memoryHub, TIME, testNode } from './fakes.js'

const T0 = Date.UTC(2026, 0, 1, 12) // an interval boundary

/** Three households on an in-process hub: a seller (+500 Wh) and two buyers (-300, -400 Wh). */
function market() {
  const clock = manualClock(T0)
  const hub = memoryHub()
  const homes = [500, -300, -400].map((net, i) => {
    const member = hub.member()
    const settlement = fakeSettlement(clock)
    const meter = fakeMeter(clock, -net * 12)
    const n = testNode(clock, {
      key: KEYS[i]!,
      network: member.network,
      settlement,
      meter: meter.meter,
      forecaster: fixedForecast(net),
    })
    return { ...n, member, settlement, meter }
  })
  const step = async (ms = 10_000) => {
    clock.advance(ms)
    for (const h of homes) await h.node.tick()
    for (const h of homes) h.settlement.pump()
  }
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 10_000) await step()
  }
  return { clock, hub, homes, step, run }
}

describe('node loop (in-process fakes)', () => {
  it('reads, decides once, publishes, clears in agreement, settles each interval once, summarises', async () => {
    const { homes, run, clock } = market()
    for (const h of homes) await h.node.start()
    await run(4 * 300_000)
    const [seller, b1, b2] = homes
    const k = intervalAt(TIME, T0) + 1
    // Same result root on every node for every cleared interval.
    for (let i = k; i < k + 3; i++) {
      const roots = homes.map((h) => h.store.result(i)?.result.root)
      expect(roots[0]).toBeDefined()
      expect(new Set(roots).size).toBe(1)
      expect(seller!.store.result(i)!.result.trades.reduce((s, t) => s + t.quantityWh, 0n)).toBe(500n)
    }
    // One decision, one order per node and interval; the seller's batches paid once each.
    expect(seller!.store.ownOrders(k)).toHaveLength(1)
    expect(seller!.store.ownOrders(k)[0]!.order.order.side).toBe(Side.Sell)
    expect(seller!.settlement.chain.paid.size).toBeGreaterThanOrEqual(3)
    expect(seller!.settlement.chain.submissions).toBe(seller!.settlement.chain.paid.size)
    expect(b1!.settlement.chain.paid.size).toBe(0) // buyers do not submit (own-sells)
    // Readings every poll; summaries with earnings for the seller, costs for the buyers.
    expect(seller!.store.readingCount()).toBe(4 * 30)
    const s = seller!.store.recentSummaries(10).find((x) => x.interval === k)!
    expect(s.tradedNetWh).toBe(500)
    expect(s.earnings).toBeGreaterThan(0n)
    expect(Math.abs(s.measuredNetWh! - 500)).toBeLessThanOrEqual(15) // the fake meter rounds each 10 s step
    expect(b1!.store.totalEarnings() + b2!.store.totalEarnings()).toBe(-seller!.store.totalEarnings())
    expect(seller!.node.snapshot().status).toBe('ok')
    expect(clock.now()).toBe(T0 + 4 * 300_000)
  })

  it('meter silent: stops offering energy it cannot measure, keeps buying and running', async () => {
    const { homes, run, step } = market()
    const [seller] = homes
    for (const h of homes) await h.node.start()
    await step()
    seller!.meter.silent = true
    await run(2 * 300_000)
    const readings = seller!.store.readingCount()
    const k = intervalAt(TIME, T0)
    const decided = [k + 2, k + 3].map((i) => seller!.store.ownOrders(i))
    expect(decided.flat()).toHaveLength(0) // no sell orders without a fresh reading
    expect(seller!.store.hasDecision(k + 3)).toBe(true) // but the loop kept deciding
    expect(homes[1]!.store.ownOrders(k + 3)).toHaveLength(1) // buyers unaffected
    expect(seller!.node.snapshot().checks.meter).toBe('timeout')
    expect(seller!.node.snapshot().status).toBe('degraded')
    seller!.meter.silent = false
    await run(300_000)
    expect(seller!.store.readingCount()).toBeGreaterThan(readings)
    expect(seller!.store.ownOrders(intervalAt(TIME, homes[0]!.node.snapshot().now) + 1)).toHaveLength(1)
  })

  it('peers gone: keeps reading and storing, holds settlement, rejoins and reconciles', async () => {
    const { homes, run, step } = market()
    const [seller] = homes
    for (const h of homes) await h.node.start()
    await step()
    seller!.member.connected = false
    await run(2 * 300_000)
    expect(seller!.store.readingCount()).toBe(61)
    expect(seller!.node.snapshot().checks.peers).toBe('none')
    const k = intervalAt(TIME, T0) + 2
    expect(seller!.store.ownOrders(k)[0]!.publishedMs).toBeNull() // could not publish: stored, waiting
    const paidBefore = seller!.settlement.chain.paid.size
    seller!.member.connected = true
    await run(2 * 300_000)
    expect(seller!.settlement.chain.paid.size).toBeGreaterThan(paidBefore)
    const later = intervalAt(TIME, seller!.node.snapshot().now) - 1
    expect(seller!.store.result(later)?.status).toBe('queued')
    expect(new Set(homes.map((h) => h.store.result(later)?.result.root)).size).toBe(1)
  })

  it('chain RPC down: settlements queue durably and are paid once when it returns', async () => {
    const { homes, run } = market()
    const [seller] = homes
    for (const h of homes) await h.node.start()
    seller!.settlement.chain.up = false
    await run(3 * 300_000)
    const backlog = seller!.node.snapshot().settlement
    expect(backlog.pending).toBeGreaterThanOrEqual(1)
    expect(seller!.settlement.chain.paid.size).toBe(0)
    expect(seller!.node.snapshot().status).toBe('ok') // settlement lag below 4 intervals is not yet degraded
    seller!.settlement.chain.up = true
    await run(20_000)
    expect(seller!.settlement.chain.paid.size).toBe(backlog.pending)
    expect(seller!.settlement.chain.submissions).toBe(backlog.pending)
    expect(seller!.node.snapshot().settlement.pending).toBe(0)
  })

  it('clock jumps: forward skips missed intervals, backward never decides an interval twice', async () => {
    const { homes, clock, run, step } = market()
    const [seller] = homes
    for (const h of homes) await h.node.start()
    await run(300_000)
    const decidedBefore = Number(seller!.store.db.prepare('SELECT count(*) n FROM decisions').get()!.n)
    clock.set(clock.now() - 600_000) // NTP steps the clock back 10 minutes
    await run(600_000)
    const k = intervalAt(TIME, clock.now())
    const slots = seller!.store.db.prepare('SELECT interval, count(*) n FROM own_orders GROUP BY interval').all()
    expect(slots.every((r) => r.n === 1)).toBe(true)
    expect(seller!.store.db.prepare('SELECT count(*) n FROM decisions').get()!.n).toBeGreaterThanOrEqual(decidedBefore)
    clock.set(intervalStartMs(TIME, k + 12)) // forward 1 hour
    await step()
    expect(seller!.store.hasDecision(k + 13)).toBe(true)
    expect(seller!.store.hasDecision(k + 5)).toBe(false) // skipped intervals are not decided late
    await run(2 * 300_000)
    expect(seller!.store.result(k + 13)?.status).toBe('queued')
  })
})

describe('node with an agreement network (outcomes decided by the p2p quorum)', () => {
  it('stores and settles agreed outcomes only, once, even if handed off after a restart delay', async () => {
    const clock = manualClock(T0)
    const hub = memoryHub()
    const seller = hub.member()
    const buyer = hub.member()
    let deliver: ((o: NetworkOutcome) => void) | undefined
    const network = { ...seller.network, onOutcome: (h: (o: NetworkOutcome) => void) => (deliver = h) }
    const settlement = fakeSettlement(clock)
    const { node, store } = testNode(clock, {
      key: KEYS[0]!,
      network,
      settlement,
      meter: fakeMeter(clock, -6000).meter,
      forecaster: fixedForecast(500),
    })
    const b = testNode(clock, {
      key: KEYS[1]!,
      network: buyer.network,
      settlement: fakeSettlement(clock),
      meter: fakeMeter(clock, 6000).meter,
      forecaster: fixedForecast(-500),
    })
    await node.start()
    await b.node.start()
    const k = intervalAt(TIME, T0) + 1
    const clearFn = marketClear({ rule: 'k-da', retailPrice: 300_000n, feedInPrice: 80_000n, lengthS: TIME.lengthS })
    for (let t = 0; t < 2 * 300_000; t += 10_000) {
      clock.advance(10_000)
      await b.node.tick()
      await node.tick()
      settlement.pump()
      if (clock.now() === intervalStartMs(TIME, k) - 30_000) {
        const orders = [...store.receivedOrders(k), ...store.ownOrders(k).map((r) => r.order)]
        const result = clearFn(orders, k)
        deliver!({ interval: k, result, orders, agreed: true, votesForRoot: 2, voters: 2 })
        deliver!({
          interval: k + 1,
          result: clearFn(orders, k + 1),
          orders: [],
          agreed: false,
          reason: 'DISAGREE',
          votesForRoot: 1,
          voters: 2,
        })
      }
    }
    expect(store.result(k)?.status).toBe('queued')
    expect(store.result(k)?.peersAgreeing).toBe(2)
    expect(store.result(k + 1)?.status).toBe('disputed')
    expect([...settlement.chain.paid.keys()]).toEqual([`${MARKET}:${k}`])
    // No outcome for k + 2: cleared locally for the dashboard, never settled.
    expect(store.result(k + 2)?.status ?? 'unconfirmed').toBe('unconfirmed')
  })
})

describe('node loop resilience', () => {
  it('a failing step is logged and retried at the next wake; the loop keeps running', async () => {
    const clock = manualClock(T0)
    const hub = memoryHub()
    hub.member()
    let failures = 2
    const meter = fakeMeter(clock, 500)
    const forecaster = fixedForecast(-300)
    const flaky = {
      ...forecaster,
      forecast: (k: number) => {
        if (failures-- > 0) throw new Error('model blew up')
        return forecaster.forecast(k)
      },
    }
    const { node, store } = testNode(clock, {
      key: KEYS[0]!,
      network: hub.member().network,
      settlement: fakeSettlement(clock),
      meter: meter.meter,
      forecaster: flaky,
    })
    const controller = new AbortController()
    const running = node.run(controller.signal)
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 5))
      clock.advance(10_000)
    }
    await new Promise((r) => setTimeout(r, 5))
    controller.abort()
    await running
    expect(store.readingCount()).toBeGreaterThanOrEqual(4) // kept reading through the failures
    expect(store.hasDecision(intervalAt(TIME, T0) + 1)).toBe(true) // and decided once the model recovered
  })
})
