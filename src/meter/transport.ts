import net from 'node:net'
import { SerialPort } from 'serialport'
import { MeterError } from './errors.js'
import { encodeRtuAdu, encodeTcpAdu, rtuCrcOk, rtuReplyLength, splitTcpAdus } from './frame.js'

/**
 * One physical connection: a TCP socket or a serial port. It carries one exchange at a time (the link's queue
 * guarantees that), reports a drop through `onDown` and rejects the exchange in flight at once when it drops.
 */
export interface Transport {
  readonly connected: boolean
  connect(timeoutMs: number): Promise<void>
  /** Sends a request PDU and resolves with the reply PDU. */
  exchange(unitId: number, pdu: Buffer): Promise<Buffer>
  /** Forgets the exchange in flight (it timed out): a late reply is dropped, not paired with the next request. */
  abandon(): void
  destroy(): void
  /** Replies that arrived for no request in flight (late replies after a timeout). */
  readonly strayReplies: number
  onDown: ((err: MeterError) => void) | undefined
}

interface Pending {
  unitId: number
  transactionId: number
  functionCode: number
  resolve: (pdu: Buffer) => void
  reject: (err: MeterError) => void
}

const dropped = (what: string, cause?: unknown) =>
  new MeterError(`${what} dropped the connection`, {
    code: 'DISCONNECTED',
    details: cause instanceof Error ? cause.message : undefined,
    cause,
  })

/** Modbus TCP: MBAP framing, replies matched by transaction id. */
export class TcpTransport implements Transport {
  onDown: ((err: MeterError) => void) | undefined
  strayReplies = 0
  private socket: net.Socket | undefined
  private rx: Buffer = Buffer.alloc(0)
  private transactionId = 0
  private pending: Pending | undefined

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  get connected(): boolean {
    return this.socket !== undefined
  }

  connect(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port })
      const fail = (err: Error) => {
        clearTimeout(timer)
        socket.destroy()
        reject(
          new MeterError(`cannot connect to ${this.host}:${this.port}`, {
            code: 'REFUSED',
            details: err.message,
            cause: err,
          }),
        )
      }
      const timer = setTimeout(() => fail(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs)
      socket.once('error', fail)
      socket.once('connect', () => {
        clearTimeout(timer)
        socket.off('error', fail)
        socket.setNoDelay(true)
        socket.setKeepAlive(true, 10_000)
        this.rx = Buffer.alloc(0)
        this.socket = socket
        socket.on('data', (chunk) => this.onData(chunk))
        // 'error' is always followed by 'close'; handle the drop once, on close.
        socket.on('error', () => {})
        socket.once('close', () => this.down(socket, dropped(`${this.host}:${this.port}`)))
        resolve()
      })
    })
  }

  exchange(unitId: number, pdu: Buffer): Promise<Buffer> {
    const socket = this.socket
    if (!socket) return Promise.reject(dropped(`${this.host}:${this.port}`))
    this.transactionId = (this.transactionId + 1) & 0xffff
    const transactionId = this.transactionId
    return new Promise((resolve, reject) => {
      this.pending = { unitId, transactionId, functionCode: pdu[0]!, resolve, reject }
      socket.write(encodeTcpAdu(transactionId, unitId, pdu))
    })
  }

  abandon(): void {
    this.pending = undefined
  }

  destroy(): void {
    this.socket?.destroy()
  }

  private onData(chunk: Buffer): void {
    this.rx = this.rx.length === 0 ? chunk : Buffer.concat([this.rx, chunk])
    let adus: ReturnType<typeof splitTcpAdus>['adus']
    try {
      ;({ adus, rest: this.rx } = splitTcpAdus(this.rx))
    } catch (err) {
      // A byte stream that is not Modbus cannot be resynchronised: drop the connection.
      this.pending?.reject(err as MeterError)
      this.pending = undefined
      this.socket?.destroy()
      return
    }
    for (const adu of adus) {
      const pending = this.pending
      if (!pending || adu.transactionId !== pending.transactionId) {
        this.strayReplies++
        continue
      }
      this.pending = undefined
      if (adu.unitId !== pending.unitId) {
        pending.reject(
          new MeterError('reply from another unit id', {
            code: 'BAD_REPLY',
            details: `asked unit ${pending.unitId}, reply from ${adu.unitId}`,
          }),
        )
      } else pending.resolve(adu.pdu)
    }
  }

  private down(socket: net.Socket, err: MeterError): void {
    if (this.socket !== socket) return
    this.socket = undefined
    this.pending?.reject(err)
    this.pending = undefined
    this.onDown?.(err)
  }
}

export interface SerialSettings {
  path: string
  baudRate: number
  parity: 'none' | 'even' | 'odd'
  dataBits: 7 | 8
  stopBits: 1 | 2
}

/**
 * Modbus RTU over a serial port (RS-485 adapter or pty). RTU has no transaction id, so a reply is accepted only
 * when its unit id, function code, length and CRC fit the request in flight; anything else is dropped.
 */
export class RtuTransport implements Transport {
  onDown: ((err: MeterError) => void) | undefined
  strayReplies = 0
  private port: SerialPort | undefined
  private rx: Buffer = Buffer.alloc(0)
  private pending: Pending | undefined

  constructor(private readonly settings: SerialSettings) {}

  get connected(): boolean {
    return this.port !== undefined
  }

  connect(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const { path, baudRate, parity, dataBits, stopBits } = this.settings
      const port = new SerialPort({ path, baudRate, parity, dataBits, stopBits, autoOpen: false })
      const timer = setTimeout(() => {
        port.close(() => {})
        reject(new MeterError(`cannot open ${path}`, { code: 'REFUSED', details: `not open within ${timeoutMs} ms` }))
      }, timeoutMs)
      port.open((err) => {
        clearTimeout(timer)
        if (err) {
          reject(new MeterError(`cannot open ${path}`, { code: 'REFUSED', details: err.message, cause: err }))
          return
        }
        this.port = port
        this.rx = Buffer.alloc(0)
        port.on('data', (chunk: Buffer) => this.onData(chunk))
        port.on('error', () => {})
        port.once('close', (closeErr?: Error) => this.down(port, dropped(path, closeErr)))
        resolve()
      })
    })
  }

  exchange(unitId: number, pdu: Buffer): Promise<Buffer> {
    const port = this.port
    if (!port) return Promise.reject(dropped(this.settings.path))
    // Bytes that arrived between requests belong to no one (late replies, line noise).
    if (this.rx.length > 0) this.strayReplies++
    this.rx = Buffer.alloc(0)
    return new Promise((resolve, reject) => {
      this.pending = { unitId, transactionId: 0, functionCode: pdu[0]!, resolve, reject }
      port.write(encodeRtuAdu(unitId, pdu))
    })
  }

  abandon(): void {
    this.pending = undefined
    this.rx = Buffer.alloc(0)
  }

  destroy(): void {
    if (this.port?.isOpen) this.port.close(() => {})
    else if (this.port) this.down(this.port, dropped(this.settings.path))
  }

  private onData(chunk: Buffer): void {
    const pending = this.pending
    if (!pending) {
      this.strayReplies++
      return
    }
    this.rx = this.rx.length === 0 ? chunk : Buffer.concat([this.rx, chunk])
    const length = rtuReplyLength(this.rx)
    if (length === undefined || this.rx.length < length) return
    const frame = this.rx.subarray(0, length)
    this.rx = Buffer.alloc(0)
    this.pending = undefined
    const functionCode = pending.functionCode
    if (!rtuCrcOk(frame)) {
      pending.reject(new MeterError('RTU reply with a bad CRC', { code: 'BAD_REPLY', details: frame.toString('hex') }))
    } else if (frame[0] !== pending.unitId || (frame[1]! & 0x7f) !== functionCode) {
      pending.reject(
        new MeterError('RTU reply does not match the request', {
          code: 'BAD_REPLY',
          details: `asked unit ${pending.unitId} fc ${functionCode}, got unit ${frame[0]} fc ${frame[1]}`,
        }),
      )
    } else pending.resolve(Buffer.from(frame.subarray(1, length - 2)))
  }

  private down(port: SerialPort, err: MeterError): void {
    if (this.port !== port) return
    this.port = undefined
    this.pending?.reject(err)
    this.pending = undefined
    this.onDown?.(err)
  }
}
