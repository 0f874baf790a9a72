import { afterEach, describe, expect, it } from 'vitest'
import {
  createLink,
  type Link,
  type MeterSimulator,
  scanUnits,
  startMeterSimulator,
  type UnknownUnitBehaviour,
} from '../../src/meter/index.js'

const TIMEOUT_MS = 150

/** `scanUnits` against the simulator over TCP, with the three ways an endpoint treats unit ids it does not serve. */
describe('scanUnits', () => {
  let sim: MeterSimulator | undefined
  let link: Link | undefined
  afterEach(async () => {
    await link?.close()
    await sim?.close()
  })

  async function serve(unknownUnits: UnknownUnitBehaviour, profile = 'sdm630'): Promise<Link> {
    sim = await startMeterSimulator({ profile, port: 0, units: [{ unitId: 1 }, { unitId: 3 }], unknownUnits })
    link = createLink({ transport: 'tcp', host: '127.0.0.1', port: sim.port!, timeoutMs: TIMEOUT_MS })
    return link
  }

  it('finds the units that answer; a silent unit costs exactly one request and one timeout', async () => {
    const l = await serve('silent')
    const silent = [2, 4, 5, 6]
    const started = performance.now()
    const outcomes = await scanUnits(l, silent)
    const elapsed = performance.now() - started
    expect(outcomes.map((o) => o.status)).toEqual(['silent', 'silent', 'silent', 'silent'])
    expect(l.stats.requests).toBe(silent.length)
    expect(elapsed).toBeGreaterThanOrEqual(silent.length * TIMEOUT_MS - 5)
    expect(elapsed).toBeLessThan(silent.length * TIMEOUT_MS + 400)
    const all = await scanUnits(l, [1, 2, 3])
    expect(all.map((o) => [o.unitId, o.status])).toEqual([
      [1, 'found'],
      [2, 'silent'],
      [3, 'found'],
    ])
    expect(all[0]).toMatchObject({ inputRegisters: true })
    expect(all[0]).not.toHaveProperty('sunspec')
  })

  it('gateway exceptions 0x0B are "nothing there", not an answer', async () => {
    const l = await serve('gateway')
    const outcomes = await scanUnits(l, [1, 2, 4])
    expect(outcomes).toEqual([
      { status: 'found', unitId: 1, inputRegisters: true },
      { status: 'gateway', unitId: 2, exceptionCode: 0x0b },
      { status: 'gateway', unitId: 4, exceptionCode: 0x0b },
    ])
  })

  it('a dropped connection is an error for that unit, and the scan goes on over a new connection', async () => {
    const l = await serve('disconnect')
    const outcomes = await scanUnits(l, [1, 2, 3])
    expect(outcomes.map((o) => o.status)).toEqual(['found', 'error', 'found'])
    expect(outcomes[1]).toMatchObject({ unitId: 2, code: 'DISCONNECTED' })
    expect(l.stats.reconnects).toBe(1)
  })

  it('a device answering the probe with its own exception counts; SunSpec models are listed', async () => {
    const l = await serve('silent', 'sunspec') // no input registers: FC4 gets exception 2
    const [unit] = await scanUnits(l, [1])
    expect(unit).toMatchObject({ status: 'found', inputRegisters: false, exceptionCode: 2 })
    expect(unit).toMatchObject({ sunspec: { base: 40000, models: [1, 203] } })
  })

  it('a link that cannot connect fails the scan (REFUSED), it does not report silent units', async () => {
    const l = await serve('silent')
    const port = sim!.port!
    await sim!.close()
    sim = undefined
    const dead = createLink({ transport: 'tcp', host: '127.0.0.1', port, timeoutMs: TIMEOUT_MS })
    await expect(scanUnits(dead, [1, 2])).rejects.toMatchObject({ code: 'REFUSED' })
    await dead.close()
    await l.close()
  })
})
