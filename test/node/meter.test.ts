import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/loadConfig.js'
import { Side } from '../../src/core/order/types.js'
import { manualClock } from '../../src/core/time/clock.js'
import { intervalAt } from '../../src/core/time/interval.js'
import { type MeterSimulator, startMeterSimulator, syntheticSource } from '../../src/meter/index.js'
import { modbusMeter } from '../../src/node/adapters/modbusMeter.js'
import { fakeSettlement, fixedDecider, KEYS, memoryHub, TIME, testNode } from './fakes.js'

const T0 = Date.UTC(2026, 5, 1, 12) // noon: the simulated house exports PV

describe('node on the meter simulator over Modbus TCP', () => {
  const clock = manualClock(T0)
  let sim: MeterSimulator
  beforeAll(async () => {
    sim = await startMeterSimulator({
      profile: 'sdm630',
      clock,
      source: syntheticSource({ startMs: T0, pvPeakW: 5000 }),
    })
  })
  afterAll(() => sim?.close())

  it('stores real readings; when the meter goes silent it stops selling, counts timeouts, and recovers', async () => {
    const m = parseConfig({ meter: { port: sim.port, timeoutMs: 100, staleAfterS: 60 } }, '/').meter
    const meter = modbusMeter(m, { clock, logger: pino({ level: 'silent' }) })
    const hub = memoryHub()
    hub.member() // a peer, so orders can be published
    const { node, store } = testNode(clock, {
      key: KEYS[0]!,
      network: hub.member().network,
      settlement: fakeSettlement(clock),
      meter,
      decider: fixedDecider(400),
    })
    await node.start()
    const step = async () => {
      clock.advance(30_000)
      await node.tick()
    }
    for (let i = 0; i < 6; i++) await step()
    const last = store.latestReading()!
    expect(store.readingCount()).toBe(6)
    expect(last.powerW).toBeLessThan(0) // exporting at noon
    expect(last.exportWh).toBeGreaterThan(0)
    const k = intervalAt(TIME, clock.now()) + 1
    expect(store.ownOrders(k).map((o) => o.order.order.side)).toEqual([Side.Sell])

    sim.setFault({ dropReplies: true })
    for (let i = 0; i < 12; i++) await step() // 6 minutes of silence
    expect(store.readingCount()).toBe(6)
    expect(node.snapshot().checks.meter).toBe('timeout')
    const silent = intervalAt(TIME, clock.now()) + 1
    expect(store.hasDecision(silent)).toBe(true)
    expect(store.ownOrders(silent)).toEqual([]) // nothing offered that cannot be measured

    sim.clearFaults()
    for (let i = 0; i < 11; i++) await step()
    expect(store.readingCount()).toBe(17)
    expect(node.snapshot().checks.meter).toBe('ok')
    expect(store.ownOrders(intervalAt(TIME, clock.now()) + 1)).toHaveLength(1)
    await node.stop()
  })
})
