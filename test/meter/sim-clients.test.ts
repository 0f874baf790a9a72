import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/time/clock.js'
import { type MeterSimulator, startMeterSimulator, traceSource } from '../../src/meter/index.js'
import { havePeers, PYTHON } from '../support/peers.js'
import { run, startPtyPair } from './helpers.js'

/**
 * The simulator against clients this project did not write: mbpoll (libmodbus) and pymodbus read what it serves
 * and must decode the same values. Units: 1 = SDM630 (float32 ABCD), 3 = EM340 (int32 CDAB), SunSpec on its own.
 */
const T0 = Date.UTC(2024, 0, 15, 10)
const source = () =>
  traceSource({
    startMs: T0,
    intervalMs: 3_600_000,
    importWh: [1500],
    exportWh: [0],
    initialImportWh: 12_345_678,
    initialExportWh: 2_345_500,
  })

/** Parses mbpoll's `[ref]: \tvalue` lines. */
function mbpollValues(out: string): Map<number, number> {
  const values = new Map<number, number>()
  for (const m of out.matchAll(/^\[(\d+)\]:\s+(-?[\d.e+-]+)/gm)) values.set(Number(m[1]), Number(m[2]))
  return values
}

const PY_CLIENT = `
import json, struct, sys
from pymodbus.client import ModbusTcpClient, ModbusSerialClient
kind, where = sys.argv[1], sys.argv[2]
client = ModbusTcpClient("127.0.0.1", port=int(where)) if kind == "tcp" else ModbusSerialClient(where, baudrate=9600, timeout=1)
client.connect()
rr = client.read_input_registers(0, 76, slave=1)
regs = rr.registers
f = lambda a: struct.unpack(">f", struct.pack(">HH", regs[a], regs[a + 1]))[0]
print(json.dumps({"powerW": f(52), "importKWh": f(72), "exportKWh": f(74), "voltageL1V": f(0), "hz": f(70)}))
client.close()
`

function clientSuite(transport: 'tcp' | 'rtu') {
  describe(`simulator over ${transport.toUpperCase()}`, () => {
    let sim: MeterSimulator
    let em340: MeterSimulator | undefined
    let stopPty: (() => Promise<void>) | undefined
    let where: string
    const mbpoll = (args: string[]) =>
      transport === 'tcp'
        ? ['-m', 'tcp', '-p', where, ...args, '-1', '127.0.0.1']
        : ['-m', 'rtu', '-b', '9600', '-P', 'none', ...args, '-1', where]

    beforeAll(async () => {
      const clock = manualClock(T0)
      if (transport === 'tcp') {
        sim = await startMeterSimulator({ profile: 'sdm630', port: 0, clock, source: source() })
        em340 = await startMeterSimulator({ profile: 'em340', port: 0, clock, source: source() })
        where = String(sim.port)
      } else {
        const pty = await startPtyPair()
        stopPty = pty.stop
        sim = await startMeterSimulator({ profile: 'sdm630', transport: 'rtu', path: pty.a, clock, source: source() })
        where = pty.b
      }
    })
    afterAll(async () => {
      await sim?.close()
      await em340?.close()
      await stopPty?.()
    })

    it('mbpoll reads SDM630 floats (big-endian words) equal to what the simulator serves', async () => {
      const v = mbpollValues(
        await run('/usr/bin/mbpoll', mbpoll(['-a', '1', '-t', '3:float', '-0', '-B', '-r', '0', '-c', '38'])),
      )
      expect(v.get(52)).toBeCloseTo(1500, 3)
      expect(v.get(12)).toBeCloseTo(500, 3)
      expect(v.get(0)).toBeCloseTo(230, 3)
      expect(v.get(70)).toBeCloseTo(50, 3)
      // mbpoll prints 6 significant digits
      expect(v.get(72)).toBeCloseTo(12345.678, 1)
      expect(v.get(74)).toBeCloseTo(2345.5, 1)
    })

    it('pymodbus reads the same SDM630 values', async () => {
      const out = JSON.parse(await run(PYTHON, ['-c', PY_CLIENT, transport, where]))
      expect(out.powerW).toBeCloseTo(1500, 3)
      expect(out.importKWh).toBeCloseTo(12345.678, 2)
      expect(out.exportKWh).toBeCloseTo(2345.5, 2)
      expect(out.voltageL1V).toBeCloseTo(230, 3)
      expect(out.hz).toBeCloseTo(50, 3)
    })

    it('answers an unmapped range with exception 2, which mbpoll reports', async () => {
      await expect(
        run('/usr/bin/mbpoll', mbpoll(['-a', '1', '-t', '3', '-0', '-r', '1000', '-c', '2'])),
      ).rejects.toThrow(/Illegal data address/i)
    })

    if (transport === 'tcp') {
      it('mbpoll reads EM340 int32 low-word-first (its default order) as 0.1 units', async () => {
        const args = [
          '-m',
          'tcp',
          '-p',
          String(em340!.port),
          '-a',
          '1',
          '-t',
          '3:int',
          '-0',
          '-r',
          '40',
          '-c',
          '1',
          '-1',
        ]
        const v = mbpollValues(await run('/usr/bin/mbpoll', [...args, '127.0.0.1']))
        expect(v.get(40)).toBe(15000)
      })
    }
  })
}

describe.skipIf(!havePeers('pymodbus', 'mbpoll', 'socat'))('independent clients against the simulator', () => {
  clientSuite('tcp')
  clientSuite('rtu')

  it('mbpoll finds the SunSpec marker and chain a SunSpec simulator serves', async () => {
    const sim = await startMeterSimulator({ profile: 'sunspec', port: 0, clock: manualClock(T0), source: source() })
    const args = ['-m', 'tcp', '-p', String(sim.port), '-a', '1', '-t', '4', '-0', '-r', '40000', '-c', '4', '-1']
    const v = mbpollValues(await run('/usr/bin/mbpoll', [...args, '127.0.0.1']))
    expect([v.get(40000), v.get(40001), v.get(40002), v.get(40003)]).toEqual([0x5375, 0x6e53, 1, 66])
    const model = mbpollValues(
      await run('/usr/bin/mbpoll', [...args.slice(0, 10), '40070', '-c', '2', '-1', '127.0.0.1']),
    )
    expect([model.get(40070), model.get(40071)]).toEqual([203, 105])
    await sim.close()
  })
})
