import { describe, expect, it } from 'vitest'
import { Side } from '../../src/core/order/types.js'
import { manualClock } from '../../src/core/time/clock.js'
import { intervalAt, intervalStartMs } from '../../src/core/time/interval.js'
import { fakeMeter, fakeSettlement, fixedDecider, KEYS, MARKET, memoryHub, TIME, testNode } from './fakes.js'

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
      decider: fixedDecider(net),
    })
    return { ...n, member, settlement, meter }
  })
  const step = async (ms = 10_000) => {
    clock.advance(ms)
    hub.conclude(clock.now())
    for (const h of homes) await h.node.tick()
    for (const h of homes) h.settlement.pump()
  }
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 10_000) await step()
  }
  return { clock, hub, homes, step, run }
}

describe('node loop (in-process fakes)', () => {
  it('reads, decides once, publishes, stores the agreed outcome, settles each interval once, summarises', async () => {
    const { homes, run } = market()
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

  it('peers gone: keeps reading and storing, settles nothing unagreed, rejoins and catches up', async () => {
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
    expect(seller!.store.result(k)?.status).toBe('unconfirmed') // its own clearing, no quorum: never settled
    expect(homes[1]!.store.result(k)?.status).toBe('nothing') // the two buyers agreed without it
    const paidBefore = seller!.settlement.chain.paid.size
    seller!.member.connected = true
    await run(2 * 300_000)
    expect(seller!.settlement.chain.paid.size).toBeGreaterThan(paidBefore)
    const later = intervalAt(TIME, seller!.node.snapshot().now) - 1
    expect(seller!.store.result(later)?.status).toBe('queued')
    expect(new Set(homes.map((h) => h.store.result(later)?.result.root)).size).toBe(1)
    // Caught up: the interval it missed now shows the agreed (empty) outcome, not its own clearing.
    expect(seller!.store.result(k)?.status).toBe('nothing')
    expect(seller!.store.result(k)?.result.root).toBe(homes[1]!.store.result(k)?.result.root)
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
    clock.set(clock.now() - 600_000) // NTP steps the clock back 10 minutes
    await run(600_000)
    const k = intervalAt(TIME, clock.now())
    const slots = seller!.store.db.prepare('SELECT interval, count(*) n FROM own_orders GROUP BY interval').all()
    expect(slots.length).toBeGreaterThanOrEqual(3)
    expect(slots.every((r) => r.n === 1)).toBe(true)
    clock.set(intervalStartMs(TIME, k + 12)) // forward 1 hour
    await step()
    expect(seller!.store.hasDecision(k + 13)).toBe(true)
    expect(seller!.store.hasDecision(k + 5)).toBe(false) // skipped intervals are not decided late
    await run(2 * 300_000)
    expect(seller!.store.result(k + 13)?.status).toBe('queued')
  })
})

describe('node with the agreement network: only agreed outcomes are settled, each once', () => {
  it('a disputed interval is never settled; a duplicate outcome of a queued interval pays nothing twice', async () => {
    const { homes, hub, run } = market()
    const [seller] = homes
    for (const h of homes) await h.node.start()
    const k = intervalAt(TIME, T0) + 2
    hub.dispute(k)
    await run(4 * 300_000)
    expect(homes.map((h) => h.store.result(k)?.status)).toEqual(['disputed', 'disputed', 'disputed'])
    expect(seller!.settlement.chain.paid.has(`${MARKET}:${k}`)).toBe(false)
    expect(seller!.settlement.chain.paid.has(`${MARKET}:${k - 1}`)).toBe(true)
    const submissions = seller!.settlement.chain.submissions
    hub.redeliver(k - 1)
    await run(30_000)
    expect(seller!.store.result(k - 1)?.status).toBe('queued')
    expect(seller!.settlement.chain.submissions).toBe(submissions)
  })
})

describe('node loop resilience', () => {
  it('a failing step is logged and retried at the next wake; the loop keeps running', async () => {
    const clock = manualClock(T0)
    const hub = memoryHub()
    hub.member()
    let failures = 2
    const meter = fakeMeter(clock, 500)
    const decider = fixedDecider(-300)
    const flaky = {
      ...decider,
      load: {
        ...decider.load,
        forecast: (from: number, n: number) => {
          if (failures-- > 0) throw new Error('model blew up')
          return decider.load.forecast(from, n)
        },
      },
    }
    const { node, store } = testNode(clock, {
      key: KEYS[0]!,
      network: hub.member().network,
      settlement: fakeSettlement(clock),
      meter: meter.meter,
      decider: flaky,
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
