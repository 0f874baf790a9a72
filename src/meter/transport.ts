import net from 'node:net'
import modbusSerial from 'modbus-serial'
import type { ModbusRTU as ModbusClient } from 'modbus-serial/ModbusRTU.js'
import { MeterError } from './errors.js'
import type { ReadFunctionCode } from './types.js'

// modbus-serial is CommonJS: its module object is the client class at run time.
const ModbusRTU = modbusSerial as unknown as new () => ModbusClient

/**
 * One physical connection, spoken through `modbus-serial` (framing, MBAP transaction ids, RTU CRC, reply checks).
 * What modbus-serial leaves to its user is done here and in the link (see the reference notes): it has no default
 * timeout, never reconnects, and does not fail the request in flight when the connection drops. So: a new client per
 * connection, the drop reported through `onDown` and the request in flight rejected at once with DISCONNECTED.
 * The link's queue guarantees one exchange at a time (modbus-serial mixes up concurrent RTU replies).
 */
export interface Transport {
  readonly connected: boolean
  connect(timeoutMs: number): Promise<void>
  /**
   * Reads `count` registers and calls `done` once: with their bytes (2 per register, big-endian as on the wire),
   * or with an error, TIMEOUT after `timeoutMs`. A reply arriving later is counted in `strayReplies` and dropped,
   * never paired with another request.
   */
  read(
    unitId: number,
    functionCode: ReadFunctionCode,
    address: number,
    count: number,
    timeoutMs: number,
    done: ReadCallback,
  ): void
  destroy(): void
  /** Replies that arrived for no request in flight (late replies after a timeout). */
  readonly strayReplies: number
  onDown: ((err: MeterError) => void) | undefined
}

export type ReadCallback = (err: MeterError | undefined, regs?: Buffer) => void

export interface SerialSettings {
  path: string
  baudRate: number
  parity: 'none' | 'even' | 'odd'
  dataBits: 7 | 8
  stopBits: 1 | 2
}

type Where = { kind: 'tcp'; host: string; port: number } | ({ kind: 'rtu' } & SerialSettings)

/**
 * @example
 * const t = createTransport({ kind: 'tcp', host: '127.0.0.1', port: 502 })
 * await t.connect(2000)
 * t.read(1, 4, 0, 76, 1000, (err, regs) => console.log(err?.code ?? regs!.length)) // 152 bytes
 */
export function createTransport(where: Where): Transport {
  return new ModbusSerialTransport(where)
}

class ModbusSerialTransport implements Transport {
  onDown: ((err: MeterError) => void) | undefined
  strayReplies = 0
  private client: ModbusClient | undefined
  /**
   * The one request in flight, kept in fields rather than an object per request: `seq` tells its reply from a late
   * one (modbus-serial calls a timed-out transaction's callback when its reply comes after all).
   */
  private seq = 0
  private pendingDone: ReadCallback | undefined
  /** performance.now() by which the reply must be in. */
  private deadline = 0
  private asked = { unitId: 0, functionCode: 4 as ReadFunctionCode, address: 0, count: 0, timeoutMs: 0 }
  /**
   * One deadline timer per connection instead of one per request: a request only stores its deadline; the timer,
   * armed for the earliest deadline, expires the request in flight if it is past due and otherwise re-arms for the
   * rest. Replies come in well under a millisecond on a LAN, so creating and clearing a timer per request was a
   * large share of a reading's cost. `timerAt` is when it fires. It is unref'd: it never holds the process open by
   * itself, and need not, since a request is only in flight on an open socket or port, which does (toggling
   * ref/unref per request was measurable in bench:meter).
   */
  private timer: NodeJS.Timeout | undefined
  private timerAt = Number.POSITIVE_INFINITY
  private readonly label: string

  constructor(private readonly where: Where) {
    this.label = where.kind === 'tcp' ? `${where.host}:${where.port}` : where.path
  }

  get connected(): boolean {
    return this.client !== undefined
  }

  connect(timeoutMs: number): Promise<void> {
    return this.where.kind === 'tcp' ? this.connectTcp(this.where, timeoutMs) : this.openSerial(this.where, timeoutMs)
  }

  read(
    unitId: number,
    functionCode: ReadFunctionCode,
    address: number,
    count: number,
    timeoutMs: number,
    done: ReadCallback,
  ): void {
    const client = this.client
    if (!client) {
      done(dropped(this.label))
      return
    }
    const seq = ++this.seq
    this.pendingDone = done
    this.deadline = performance.now() + timeoutMs
    const asked = this.asked
    asked.unitId = unitId
    asked.functionCode = functionCode
    asked.address = address
    asked.count = count
    asked.timeoutMs = timeoutMs
    this.armTimer(this.deadline)
    // Our deadline, not modbus-serial's: its timeout is off (null), so it never fires a second callback.
    // The callback captures only `seq`, not `done`: modbus-serial keeps each transaction, callback included, until
    // its transaction id comes round again (256 requests later), and a callback holding `done` kept the link's job,
    // its promise and the reading it resolved with alive that long: young-generation GC copied and promoted
    // ~256 readings per link. Passed inline, not named: tsx's keepNames would wrap a named closure per request.
    client[functionCode === 3 ? 'writeFC3' : 'writeFC4'](unitId, address, count, (err, res) =>
      this.onReply(seq, err, res),
    )
  }

  /** modbus-serial's answer to request `seq`: a late reply lands in the callback of its (timed-out) transaction. */
  private onReply(seq: number, err: unknown, res: { buffer: Buffer } | undefined): void {
    const done = this.pendingDone
    if (this.seq !== seq || done === undefined) {
      this.strayReplies++
      return
    }
    this.pendingDone = undefined
    if (err) done(fromLibraryError(err, this.asked.unitId))
    else done(undefined, res!.buffer)
  }

  /** Makes sure the timer fires by `deadline`. */
  private armTimer(deadline: number): void {
    if (this.timer && this.timerAt <= deadline) return
    clearTimeout(this.timer)
    this.timerAt = deadline
    this.timer = setTimeout(this.onTimer, Math.max(1, deadline - performance.now())).unref()
  }

  private readonly onTimer = (): void => {
    this.timer = undefined
    this.timerAt = Number.POSITIVE_INFINITY
    const done = this.pendingDone
    if (!done) return
    // Timers may fire a little early against performance.now() (libuv's cached loop time): wait out the rest.
    if (performance.now() < this.deadline) {
      this.armTimer(this.deadline)
      return
    }
    this.pendingDone = undefined
    const { unitId, functionCode, address, count, timeoutMs } = this.asked
    done(
      new MeterError(`no reply from unit ${unitId} within ${timeoutMs} ms`, {
        code: 'TIMEOUT',
        details: `${this.label} fc ${functionCode} @${address} x${count}`,
      }),
    )
  }

  destroy(): void {
    const client = this.client
    if (!client) return
    // close() unhooks the client's listeners first, so the drop is reported here rather than by an event.
    client.close(() => {})
    this.down(client, dropped(this.label))
  }

  private connectTcp(where: { host: string; port: number }, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: where.host, port: where.port })
      const fail = (details: string, cause?: Error) => {
        clearTimeout(timer)
        socket.destroy()
        reject(refused(`cannot connect to ${this.label}`, details, cause))
      }
      const timer = setTimeout(() => fail(`no connection within ${timeoutMs} ms`), timeoutMs)
      const onError = (err: Error) => fail(err.message, err)
      socket.once('error', onError)
      socket.once('connect', () => {
        clearTimeout(timer)
        socket.off('error', onError)
        socket.setNoDelay(true)
        socket.setKeepAlive(true, 10_000)
        const client = new ModbusRTU()
        // Our socket, so that its close is seen even after an error (modbus-serial's TcpPort swallows that case).
        socket.on('error', () => {})
        socket.once('close', () => this.down(client, dropped(this.label)))
        client.linkTCP(socket, { port: where.port }, () => {
          this.attach(client)
          resolve()
        })
      })
    })
  }

  private openSerial(settings: SerialSettings, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const client = new ModbusRTU()
      let settled = false
      const timer = setTimeout(() => {
        settled = true
        client.close(() => {})
        reject(refused(`cannot open ${settings.path}`, `not open within ${timeoutMs} ms`))
      }, timeoutMs)
      const { path, baudRate, parity, dataBits, stopBits } = settings
      client.connectRTUBuffered(path, { baudRate, parity, dataBits, stopBits }, (err: Error | null) => {
        clearTimeout(timer)
        if (settled) return
        if (err) return reject(refused(`cannot open ${path}`, err.message, err))
        client.on('close', () => this.down(client, dropped(path)))
        this.attach(client)
        resolve()
      })
    })
  }

  private attach(client: ModbusClient): void {
    // The client re-emits port errors; a drop is handled on close.
    client.on('error', () => {})
    this.client = client
  }

  private down(client: ModbusClient, err: MeterError): void {
    if (this.client !== client) return
    this.client = undefined
    const done = this.pendingDone
    this.pendingDone = undefined
    clearTimeout(this.timer)
    this.timer = undefined
    this.timerAt = Number.POSITIVE_INFINITY
    done?.(err)
    this.onDown?.(err)
  }
}

const dropped = (what: string) => new MeterError(`${what} dropped the connection`, { code: 'DISCONNECTED' })

const refused = (message: string, details: string, cause?: Error) =>
  new MeterError(message, { code: 'REFUSED', details, cause })

/** modbus-serial's errors (plain Errors told apart by `modbusCode`, `name` and message) as typed meter errors. */
function fromLibraryError(err: unknown, unitId: number): MeterError {
  const e = err as { modbusCode?: number; name?: string; message?: string }
  if (typeof e.modbusCode === 'number') {
    const exceptionCode = e.modbusCode
    return new MeterError(`unit ${unitId}: Modbus exception ${exceptionCode}`, {
      code: exceptionCode === 2 ? 'ILLEGAL_ADDRESS' : 'MODBUS_EXCEPTION',
      exceptionCode,
      details: e.message,
    })
  }
  if (e.name === 'PortNotOpenError') {
    return new MeterError('the connection is not open', { code: 'DISCONNECTED', details: e.message, cause: err })
  }
  // CRC, length, unit id and function code mismatches.
  return new MeterError(`unit ${unitId}: reply does not match the request`, {
    code: 'BAD_REPLY',
    details: e.message,
    cause: err,
  })
}
