import { type Clock, systemClock } from '../../core/time/clock.js'
import type { WordOrder } from '../decode.js'
import { MeterError } from '../errors.js'
import { loadProfile, type MeterProfile } from '../profile.js'
import { type ImageWriter, imageWriter } from './image.js'
import { type ModbusServer, startRtuServer, startTcpServer } from './server.js'
import { type MeterSource, type SimState, syntheticSource } from './source.js'

/** Fault modes; all off by default. Set and clear them at run time with `setFault`. */
export interface SimFaults {
  /** Delay every reply by this many ms (a slow meter or gateway). */
  delayMs: number
  /** Stay silent: no reply at all (the reader times out). */
  dropReplies: boolean
  /** Close the TCP connection when a request arrives (the reader sees the drop at once). */
  disconnect: boolean
  /** Answer every read with Modbus exception 2 (illegal data address). */
  illegalAddress: boolean
  /** Serve broken energy counters: `zero` (a transient 0) or `jump` (+10 MWh). */
  glitch: 'zero' | 'jump' | null
}

const NO_FAULTS: SimFaults = { delayMs: 0, dropReplies: false, disconnect: false, illegalAddress: false, glitch: null }

/**
 * How the endpoint treats a unit id it does not serve: `silent` (an RTU bus, a plain TCP meter), `gateway` (a
 * TCP->RTU gateway answering exception 0x0B, target device failed to respond), `disconnect` (a device that closes
 * the TCP connection).
 */
export type UnknownUnitBehaviour = 'silent' | 'gateway' | 'disconnect'

export interface SimUnit {
  unitId: number
  /** Default: the simulator's `source`. */
  source?: MeterSource
}

export interface MeterSimulatorOptions {
  profile: MeterProfile | string
  transport?: 'tcp' | 'rtu'
  /** TCP: default 127.0.0.1 and port 0 (an ephemeral port, read it from the result). */
  host?: string
  port?: number
  /** RTU: serial device (or a socat pty end) and line settings (default 9600 8N1; a pty ignores them). */
  path?: string
  baudRate?: number
  parity?: 'none' | 'even' | 'odd'
  dataBits?: 7 | 8
  stopBits?: 1 | 2
  /** Unit id served when `units` is not given. Default: the profile's. */
  unitId?: number
  /** Several devices behind one endpoint / on one bus, each with its own source. */
  units?: SimUnit[]
  /** Default: a synthetic household day (see `syntheticSource`). */
  source?: MeterSource
  /** Drives the source: pass an accelerated clock to replay days in minutes. Default: the system clock. */
  clock?: Clock
  faults?: Partial<SimFaults>
  /** Serve every 32-bit value in this word order instead of the profile's (a meter configured differently). */
  wordOrder?: WordOrder
  /** Default `silent`. */
  unknownUnits?: UnknownUnitBehaviour
  /** SunSpec profiles: where the chain starts and which models to serve (default 40000, 203, 103 when PV). */
  sunspec?: { base?: number; gridModel?: number; pvModel?: number | null }
}

export interface MeterSimulator {
  /** TCP port actually listened on. */
  readonly port: number | undefined
  readonly path: string | undefined
  readonly unitIds: number[]
  /** Requests answered or dropped so far. */
  readonly requests: number
  setFault(faults: Partial<SimFaults>): void
  clearFaults(): void
  /** Destroys open TCP connections now (clients must reconnect). */
  dropConnections(): void
  /** What unit `unitId` would serve now (without faults). */
  state(unitId?: number): SimState
  close(): Promise<void>
}

/**
 * Starts a simulated meter: a Modbus TCP or RTU server serving a profile's registers from a trace or a synthetic
 * shape, driven by an injected clock. It allocates its register image once and refills it per request, with no
 * timers of its own, so dozens can run in one process.
 *
 * @example
 * const sim = await startMeterSimulator({ profile: 'sdm630', transport: 'tcp', port: 0 })
 * const link = createLink({ transport: 'tcp', host: '127.0.0.1', port: sim.port! })
 * sim.setFault({ delayMs: 2000 }) // the next reads time out
 */
export async function startMeterSimulator(opts: MeterSimulatorOptions): Promise<MeterSimulator> {
  const profile = typeof opts.profile === 'string' ? loadProfile(opts.profile) : opts.profile
  const clock = opts.clock ?? systemClock()
  const defaultSource = opts.source ?? syntheticSource({ startMs: clock.now() })
  const units = (opts.units ?? [{ unitId: opts.unitId ?? profile.transport.unitId }]).map((u) => {
    const source = u.source ?? defaultSource
    const sunspec = { ...opts.sunspec, pvModel: opts.sunspec?.pvModel ?? (source.hasPv ? 103 : null) }
    return { unitId: u.unitId, source, writer: imageWriter(profile, sunspec, opts.wordOrder) }
  })
  let faults: SimFaults = { ...NO_FAULTS, ...opts.faults }
  let requests = 0
  const unknownUnits = opts.unknownUnits ?? 'silent'
  const known = (unitId: number) => units.some((u) => u.unitId === unitId)

  const handle = (unitId: number, pdu: Buffer): Buffer | undefined => {
    const unit = units.find((u) => u.unitId === unitId)
    // An RTU bus: nobody answers for an unknown unit id; a gateway says so.
    if (!unit) return unknownUnits === 'gateway' ? exception(pdu[0]!, 0x0b) : undefined
    requests++
    if (faults.dropReplies) return undefined
    return answer(unit, pdu, clock.now(), faults)
  }
  const behaviour = {
    delayMs: () => faults.delayMs,
    disconnect: (unitId: number) => faults.disconnect || (unknownUnits === 'disconnect' && !known(unitId)),
  }
  let server: ModbusServer
  if ((opts.transport ?? 'tcp') === 'tcp') {
    server = await startTcpServer({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 }, handle, behaviour)
  } else {
    if (!opts.path)
      throw new MeterError('RTU simulator needs a serial path', { code: 'INVALID_ARGUMENT', field: 'path' })
    server = await startRtuServer(
      {
        path: opts.path,
        baudRate: opts.baudRate ?? 9600,
        parity: opts.parity ?? 'none',
        dataBits: opts.dataBits ?? 8,
        stopBits: opts.stopBits ?? 1,
      },
      handle,
      behaviour,
    )
  }
  return {
    port: server.port,
    path: server.path,
    unitIds: units.map((u) => u.unitId),
    get requests() {
      return requests
    },
    setFault(f) {
      faults = { ...faults, ...f }
    },
    clearFaults() {
      faults = { ...NO_FAULTS }
    },
    dropConnections: () => server.dropConnections(),
    state(unitId) {
      const unit = units.find((u) => u.unitId === (unitId ?? units[0]!.unitId)) ?? units[0]!
      return unit.source.at(clock.now())
    },
    close: () => server.close(),
  }
}

function answer(
  unit: { source: MeterSource; writer: ImageWriter },
  pdu: Buffer,
  nowMs: number,
  faults: SimFaults,
): Buffer {
  const fc = pdu[0]!
  if (fc !== 3 && fc !== 4) return exception(fc, 1)
  if (pdu.length !== 5) return exception(fc, 3)
  const address = pdu.readUInt16BE(1)
  const count = pdu.readUInt16BE(3)
  if (count < 1 || count > 125) return exception(fc, 3)
  if (faults.illegalAddress) return exception(fc, 2)
  const image = unit.writer.images.find(
    (i) => i.functionCode === fc && address >= i.address && (address + count - i.address) * 2 <= i.bytes.length,
  )
  if (!image) return exception(fc, 2)
  unit.writer.fill(glitched(unit.source.at(nowMs), faults.glitch))
  const reply = Buffer.allocUnsafe(2 + count * 2)
  reply[0] = fc
  reply[1] = count * 2
  image.bytes.copy(reply, 2, (address - image.address) * 2, (address - image.address + count) * 2)
  return reply
}

function glitched(state: SimState, glitch: SimFaults['glitch']): SimState {
  if (glitch === 'zero') return { ...state, importWh: 0, exportWh: 0, pvWh: 0 }
  if (glitch === 'jump')
    return { ...state, importWh: state.importWh + 10_000_000, exportWh: state.exportWh + 10_000_000 }
  return state
}

function exception(fc: number, code: number): Buffer {
  return Buffer.from([fc | 0x80, code])
}
