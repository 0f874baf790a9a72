import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../src/chain/anvil.js'
import { createLink, discoverSunSpec, type Link, openMeter, type Reading } from '../../src/meter/index.js'
import { havePeers } from '../support/peers.js'
import { type PeerExpected, startPtyPair, startPyPeer } from './helpers.js'

/**
 * The reader against an independent Modbus server: pymodbus serving register images it builds itself from the
 * vendors' tables (see peer/pymodbus_server.py), over TCP and over RTU on a socat pty pair.
 */
const DEVICES = [
  { unitId: 1, profile: 'sdm630', requests: 1 },
  { unitId: 2, profile: 'sdm120', requests: 1 },
  { unitId: 3, profile: 'em340', requests: 1 },
  { unitId: 4, profile: 'sunspec', pv: true },
  { unitId: 5, profile: 'sunspec', pv: true },
] as const

function expectReading(r: Reading, want: PeerExpected): void {
  expect(r.activePowerW).toBeCloseTo(want.activePowerW, 3)
  expect(r.importEnergyWh).toBe(want.importEnergyWh)
  expect(r.exportEnergyWh).toBe(want.exportEnergyWh)
  expect(Number.isInteger(r.importEnergyWh) && Number.isInteger(r.exportEnergyWh)).toBe(true)
  expect(r.frequencyHz).toBeCloseTo(want.frequencyHz, 3)
  if (want.pvPowerW !== undefined) expect(r.pvPowerW).toBeCloseTo(want.pvPowerW, 3)
  if (want.pvEnergyWh !== undefined) expect(r.pvEnergyWh).toBe(want.pvEnergyWh)
  for (const [phase, values] of Object.entries(want.phases)) {
    for (const [k, v] of Object.entries(values)) {
      expect((r.phases as Record<string, Record<string, number>>)[phase]![k], `${phase}.${k}`).toBeCloseTo(v, 3)
    }
  }
}

function suite(
  name: string,
  setup: () => Promise<{ link: Link; expected: Record<string, PeerExpected>; stop: () => Promise<void> }>,
) {
  describe(name, () => {
    let ctx: Awaited<ReturnType<typeof setup>>
    beforeAll(async () => {
      ctx = await setup()
    })
    afterAll(async () => {
      await ctx?.link.close()
      await ctx?.stop()
    })

    for (const d of DEVICES) {
      it(`reads ${d.profile} at unit ${d.unitId}`, async () => {
        const meter = openMeter(ctx.link, { profile: d.profile, unitId: d.unitId, pv: 'pv' in d ? {} : undefined })
        expectReading(await meter.read(), ctx.expected[d.unitId]!)
        const before = meter.stats.requests
        expectReading(await meter.read(), ctx.expected[d.unitId]!)
        // After discovery a SunSpec reading is one request for the meter model plus one for the inverter.
        expect(meter.stats.requests - before).toBe('requests' in d ? d.requests : 2)
      })
    }

    it('walks the SunSpec chain (common model L=65 at 40000; base 0 after an illegal-address answer)', async () => {
      for (const unitId of [4, 5]) {
        const layout = await discoverSunSpec(ctx.link, { unitId })
        expect(layout.base).toBe(ctx.expected[unitId]!.base)
        expect(layout.models.map((m) => m.id)).toEqual(ctx.expected[unitId]!.models)
      }
    })

    it('keeps concurrent reads of different units on one link apart', async () => {
      const meters = DEVICES.slice(0, 3).map((d) => openMeter(ctx.link, { profile: d.profile, unitId: d.unitId }))
      const readings = await Promise.all([...meters, ...meters].map((m) => m.read()))
      for (const [i, r] of readings.entries()) expectReading(r, ctx.expected[DEVICES[i % 3]!.unitId]!)
    })

    it('gets a typed error for a unit id nobody answers for', async () => {
      const meter = openMeter(ctx.link, { profile: 'sdm630', unitId: 9, timeoutMs: 150 })
      await expect(meter.read()).rejects.toMatchObject({ code: 'TIMEOUT' })
      expect(meter.errors.TIMEOUT).toBe(1)
    })
  })
}

describe.skipIf(!havePeers('pymodbus', 'socat'))('reader against pymodbus', () => {
  suite('Modbus TCP', async () => {
    const port = await freePort()
    const peer = await startPyPeer(['tcp', port])
    return { ...peer, link: createLink({ transport: 'tcp', host: '127.0.0.1', port }) }
  })

  suite('Modbus RTU over a socat pty pair', async () => {
    const pty = await startPtyPair()
    const peer = await startPyPeer(['rtu', pty.a])
    const link = createLink({
      transport: 'rtu',
      path: pty.b,
      baudRate: 9600,
      interFrameGapMs: 5,
      unitSwitchDelayMs: 10,
    })
    return {
      ...peer,
      link,
      stop: async () => {
        await peer.stop()
        await pty.stop()
      },
    }
  })
})
