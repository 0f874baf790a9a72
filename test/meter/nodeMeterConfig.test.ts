import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/loadConfig.js'
import { GridletError } from '../../src/core/errors.js'
import { manualClock } from '../../src/core/time/clock.js'
import { startMeterSimulator, traceSource } from '../../src/meter/index.js'
import { modbusMeter } from '../../src/node/adapters/modbusMeter.js'
import { havePeers } from '../support/peers.js'
import { startPtyPair } from './helpers.js'

function fieldOf(meter: Record<string, unknown>): string | undefined {
  try {
    parseConfig({ meter }, '/')
  } catch (err) {
    expect(err).toBeInstanceOf(GridletError)
    return (err as GridletError).field
  }
  return undefined
}

/** The node's meter section: RTU line settings and the unit-id range of `gridlet meter read`. */
describe('node meter config', () => {
  it('defaults to 8N1 and takes parity and stop bits', () => {
    expect(parseConfig({}, '/').meter).toMatchObject({ parity: 'none', stopBits: 1, unitId: 1 })
    const m = parseConfig({ meter: { kind: 'modbus-rtu', parity: 'even', stopBits: 2, unitId: 247 } }, '/').meter
    expect(m).toMatchObject({ parity: 'even', stopBits: 2, unitId: 247 })
  })

  it.each([
    [{ parity: 'mark' }, 'meter.parity'],
    [{ stopBits: 1.5 }, 'meter.stopBits'],
    [{ stopBits: 3 }, 'meter.stopBits'],
    [{ unitId: 0 }, 'meter.unitId'],
    [{ unitId: 248 }, 'meter.unitId'],
    [{ baudRate: 12 }, 'meter.baudRate'],
  ])('rejects %o with a typed error naming %s', (meter, field) => {
    expect(fieldOf(meter)).toBe(field)
  })
})

describe.skipIf(!havePeers('socat'))('node meter over RTU with the configured line settings', () => {
  it('reads the simulator on a pty with parity even, 2 stop bits, unit 7', async () => {
    const pty = await startPtyPair()
    const clock = manualClock(Date.UTC(2024, 0, 1))
    const source = traceSource({ startMs: 0, intervalMs: 3_600_000, importWh: [0], exportWh: [0] })
    const sim = await startMeterSimulator({
      profile: 'sdm630',
      transport: 'rtu',
      path: pty.a,
      parity: 'even',
      stopBits: 2,
      units: [{ unitId: 7 }],
      source,
      clock,
    })
    const config = parseConfig(
      { meter: { kind: 'modbus-rtu', device: pty.b, parity: 'even', stopBits: 2, unitId: 7, timeoutMs: 500 } },
      '/',
    )
    const meter = modbusMeter(config.meter, { clock })
    try {
      await expect(meter.read()).resolves.toMatchObject({ importWh: 1_000_000, exportWh: 0, powerW: 0 })
    } finally {
      await meter.close()
      await sim.close()
      await pty.stop()
    }
  })
})
