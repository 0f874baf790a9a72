import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/time/clock.js'
import {
  createLink,
  householdTrace,
  type Link,
  type Meter,
  MeterError,
  type MeterSimulator,
  openMeter,
  startMeterSimulator,
  traceSource,
} from '../../src/meter/index.js'
import { loadHouseholdCsv } from '../../src/meter/simulator/traceFile.js'
import { havePeers } from '../support/peers.js'
import { startPtyPair } from './helpers.js'

const CUSTOMER12 = fileURLToPath(
  new URL('../../sim/data/ausgrid-solar-home-customer12/customer12_halfhourly_2011-2012.csv.gz', import.meta.url),
)
const T0 = Date.UTC(2024, 5, 1, 12)

/** Our reader against our simulator over TCP loopback: the fault modes, reconnects, staleness. */
describe('reader against the meter simulator (TCP)', () => {
  let clock = manualClock(T0)
  let sim: MeterSimulator
  let link: Link
  let meter: Meter

  beforeEach(async () => {
    clock = manualClock(T0)
    sim = await startMeterSimulator({ profile: 'sdm630', port: 0, clock, units: [{ unitId: 1 }, { unitId: 2 }] })
    link = createLink({ transport: 'tcp', host: '127.0.0.1', port: sim.port!, timeoutMs: 150 })
    meter = openMeter(link, { profile: 'sdm630', unitId: 1, clock, staleAfterMs: 5000, counterConfirmReads: 3 })
  })
  afterEach(async () => {
    await link.close()
    await sim.close()
  })

  it('reads an SDM630 in exactly one request, matching what the simulator serves', async () => {
    const r = await meter.read()
    const s = sim.state()
    expect(meter.stats.requests).toBe(1)
    expect(r.activePowerW).toBeCloseTo(s.activePowerW, 1)
    expect(r.importEnergyWh).toBe(Math.round(s.importWh))
    expect(r.exportEnergyWh).toBe(Math.round(s.exportWh))
    expect(r.timestampMs).toBe(T0)
    expect(r.phases?.l1?.powerW).toBeCloseTo(s.activePowerW / 3, 1)
  })

  it('slow replies: TIMEOUT, the late reply is dropped, the next read is right', async () => {
    await meter.read()
    sim.setFault({ delayMs: 400 })
    await expect(meter.read()).rejects.toMatchObject({ code: 'TIMEOUT' })
    sim.clearFaults()
    await new Promise((r) => setTimeout(r, 400)) // the late reply arrives meanwhile
    clock.advance(1000)
    const r = await meter.read()
    expect(r.importEnergyWh).toBe(Math.round(sim.state().importWh))
    expect(link.stats.strayReplies).toBe(1)
    expect(meter.errors).toEqual({ TIMEOUT: 1 })
  })

  it('dropped replies: TIMEOUT, typed and counted', async () => {
    sim.setFault({ dropReplies: true })
    for (let i = 0; i < 2; i++) await expect(meter.read()).rejects.toMatchObject({ code: 'TIMEOUT' })
    expect(meter.errors.TIMEOUT).toBe(2)
  })

  it('a dropped connection fails the request in flight at once, not at the timeout, then reconnects', async () => {
    const slowLink = createLink({ transport: 'tcp', host: '127.0.0.1', port: sim.port!, timeoutMs: 5000 })
    const slow = openMeter(slowLink, { profile: 'sdm630', unitId: 1, clock })
    await slow.read()
    sim.setFault({ disconnect: true })
    const started = performance.now()
    await expect(slow.read()).rejects.toMatchObject({ code: 'DISCONNECTED' })
    expect(performance.now() - started).toBeLessThan(500)
    sim.clearFaults()
    await expect(slow.read()).resolves.toMatchObject({ timestampMs: T0 })
    expect(slowLink.stats.reconnects).toBe(1)
    await slowLink.close()
  })

  it('illegal-address exceptions: ILLEGAL_ADDRESS', async () => {
    sim.setFault({ illegalAddress: true })
    const err = await meter.read().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(MeterError)
    expect(err).toMatchObject({ code: 'ILLEGAL_ADDRESS', exceptionCode: 2 })
  })

  it.each(['zero', 'jump'] as const)(
    'a counter glitch (%s) is rejected and counted, never passed on',
    async (glitch) => {
      const good = await meter.read()
      sim.setFault({ glitch })
      clock.advance(1000)
      await expect(meter.read()).rejects.toMatchObject({ code: 'GLITCH', field: 'importEnergyWh' })
      expect(meter.latest()).toBe(good)
      sim.clearFaults()
      clock.advance(1000)
      const next = await meter.read()
      expect(next.importEnergyWh).toBe(Math.round(sim.state().importWh))
      expect(next.importEnergyWh).toBeGreaterThanOrEqual(good.importEnergyWh)
      expect(meter.errors.GLITCH).toBe(1)
    },
  )

  it('values go stale after the configured age', async () => {
    await meter.read()
    clock.advance(5000)
    expect(meter.latest().timestampMs).toBe(clock.now() - 5000)
    clock.advance(1)
    expect(() => meter.latest()).toThrow(expect.objectContaining({ code: 'STALE' }))
    expect(meter.errors.STALE).toBe(1)
  })

  it('server restart: REFUSED while down (fast, no hang), reading again within 2 s of the restart', async () => {
    await meter.read()
    const port = sim.port!
    await sim.close()
    const down = await meter.read().catch((e: MeterError) => e.code)
    expect(['DISCONNECTED', 'REFUSED']).toContain(down)
    const started = performance.now()
    await expect(meter.read()).rejects.toMatchObject({ code: 'REFUSED' })
    expect(performance.now() - started).toBeLessThan(200)
    await new Promise((r) => setTimeout(r, 300))
    sim = await startMeterSimulator({ profile: 'sdm630', port, clock })
    const restarted = performance.now()
    for (;;) {
      const ok = await meter.read().then(
        () => true,
        () => false,
      )
      if (ok) break
      expect(performance.now() - restarted).toBeLessThan(2000)
      await new Promise((r) => setTimeout(r, 20))
    }
  })

  it('an aborted read rejects with ABORTED and leaves the link usable', async () => {
    sim.setFault({ delayMs: 100 })
    const controller = new AbortController()
    const pending = meter.read({ signal: controller.signal })
    controller.abort()
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' })
    sim.clearFaults()
    await new Promise((r) => setTimeout(r, 150))
    await expect(meter.read()).resolves.toBeDefined()
  })

  it('closing the link fails queued and in-flight reads at once with CLOSED', async () => {
    sim.setFault({ delayMs: 1000 })
    const reads = [meter.read(), meter.read()]
    await new Promise((r) => setTimeout(r, 20))
    await link.close()
    for (const r of reads) await expect(r).rejects.toMatchObject({ code: 'CLOSED' })
  })

  it('each request keeps its own deadline (one timer per connection): a short one fires on time, a long one waits', async () => {
    const patient = openMeter(link, { profile: 'sdm630', unitId: 1, clock, timeoutMs: 1000 })
    const hasty = openMeter(link, { profile: 'sdm630', unitId: 7, clock, timeoutMs: 40 })
    await patient.read() // leaves the connection's timer armed for 1000 ms
    const started = performance.now()
    await expect(hasty.read()).rejects.toMatchObject({ code: 'TIMEOUT' })
    expect(performance.now() - started).toBeLessThan(500)
    await meter.read() // arms the timer for the link's 150 ms
    sim.setFault({ delayMs: 300 })
    clock.advance(1000)
    await expect(patient.read()).resolves.toMatchObject({ importEnergyWh: Math.round(sim.state().importWh) })
    expect(link.stats.strayReplies).toBe(0)
  })

  it('a silent device on the link does not corrupt or block the others', async () => {
    const ghost = openMeter(link, { profile: 'sdm630', unitId: 7, clock })
    const other = openMeter(link, { profile: 'sdm630', unitId: 2, clock })
    const results = await Promise.allSettled([ghost.read(), meter.read(), other.read(), ghost.read(), meter.read()])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
    expect(ghost.errors.TIMEOUT).toBe(2)
  })
})

describe('simulator replaying real household data through the counters', () => {
  it('a reader sees import/export/PV counters equal to the trace sums at every interval boundary', async () => {
    const series = loadHouseholdCsv(CUSTOMER12)
    const days = 2
    const n = 48 * days
    const consumptionWh = series.consumptionWh.slice(0, n)
    const pvWh = series.pvWh!.slice(0, n)
    const clock = manualClock(series.startMs)
    const source = householdTrace({ startMs: series.startMs, intervalMs: series.intervalMs, consumptionWh, pvWh })
    const sim = await startMeterSimulator({ profile: 'sunspec', port: 0, clock, source })
    const link = createLink({ transport: 'tcp', host: '127.0.0.1', port: sim.port! })
    const meter = openMeter(link, { profile: 'sunspec', unitId: 1, pv: {}, clock })
    const first = await meter.read()
    let imp = 0
    let exp = 0
    let pv = 0
    for (let k = 0; k < n; k++) {
      imp += Math.max(0, consumptionWh[k]! - pvWh[k]!)
      exp += Math.max(0, pvWh[k]! - consumptionWh[k]!)
      pv += pvWh[k]!
      clock.set(series.startMs + (k + 1) * series.intervalMs)
      const r = await meter.read()
      expect(r.importEnergyWh - first.importEnergyWh).toBe(imp)
      expect(r.exportEnergyWh - first.exportEnergyWh).toBe(exp)
      expect(r.pvEnergyWh! - first.pvEnergyWh!).toBe(pv)
    }
    expect(pv).toBeGreaterThan(0)
    expect(exp).toBeGreaterThan(0)
    await link.close()
    await sim.close()
  })
})

describe.skipIf(!havePeers('socat'))('reader against the meter simulator (RTU on a socat pty pair)', () => {
  it('two meters on one bus: concurrent reads stay apart; dropped and slow replies time out, then recover', async () => {
    const clock = manualClock(T0)
    const pty = await startPtyPair()
    const a = traceSource({
      startMs: T0,
      intervalMs: 3_600_000,
      importWh: [1000],
      exportWh: [0],
      initialImportWh: 111_000,
    })
    const b = traceSource({
      startMs: T0,
      intervalMs: 3_600_000,
      importWh: [0],
      exportWh: [2000],
      initialImportWh: 222_000,
    })
    const sim = await startMeterSimulator({
      profile: 'sdm120',
      transport: 'rtu',
      path: pty.a,
      clock,
      units: [
        { unitId: 1, source: a },
        { unitId: 2, source: b },
      ],
    })
    const link = createLink({ transport: 'rtu', path: pty.b, timeoutMs: 150, interFrameGapMs: 2, unitSwitchDelayMs: 5 })
    const m1 = openMeter(link, { profile: 'sdm120', unitId: 1, clock })
    const m2 = openMeter(link, { profile: 'sdm120', unitId: 2, clock })
    try {
      const readings = await Promise.all([m1.read(), m2.read(), m1.read(), m2.read()])
      expect(readings.map((r) => r.activePowerW)).toEqual([1000, -2000, 1000, -2000])
      expect(readings.map((r) => r.importEnergyWh)).toEqual([111_000, 222_000, 111_000, 222_000])
      sim.setFault({ dropReplies: true })
      await expect(m1.read()).rejects.toMatchObject({ code: 'TIMEOUT' })
      sim.setFault({ dropReplies: false, delayMs: 250 })
      await expect(m2.read()).rejects.toMatchObject({ code: 'TIMEOUT' })
      sim.clearFaults()
      await new Promise((r) => setTimeout(r, 150)) // the late reply lands between requests and is discarded
      clock.advance(3_600_000)
      const [r1, r2] = await Promise.all([m1.read(), m2.read()])
      expect([r1.importEnergyWh, r2.exportEnergyWh]).toEqual([112_000, 2000])
    } finally {
      await link.close()
      await sim.close()
      await pty.stop()
    }
  })
})
