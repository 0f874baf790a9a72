import type { Logger } from 'pino'
import { MeterError } from './errors.js'
import { createTransport, type Transport } from './transport.js'
import { MAX_READ_COUNT, type ReadFunctionCode } from './types.js'

/** Settings of the request queue of one link; all times in milliseconds. */
export interface LinkOptions {
  /** Per-request deadline. Default 1000. */
  timeoutMs?: number
  /** Silence between the end of one exchange and the next request. Default 0 (TCP), 30 (RTU). */
  interFrameGapMs?: number
  /** Extra silence when the next request is for another unit id (mbmd: SDMs need it). Default 0 (TCP), 200 (RTU). */
  unitSwitchDelayMs?: number
  /** Deadline for connecting / opening the port. Default 2000. */
  connectTimeoutMs?: number
  /** Reconnect back-off: first delay after a failed connect, doubled up to `maxMs`. Default 100 .. 5000. */
  backoff?: { initialMs?: number; maxMs?: number }
  logger?: Logger
}

export type LinkInit =
  | ({ transport: 'tcp'; host: string; port: number } & LinkOptions)
  | ({
      transport: 'rtu'
      path: string
      baudRate?: number
      parity?: 'none' | 'even' | 'odd'
      dataBits?: 7 | 8
      stopBits?: 1 | 2
    } & LinkOptions)

export interface ReadRegistersArgs {
  unitId: number
  functionCode: ReadFunctionCode
  address: number
  count: number
  /** Overrides the link's `timeoutMs` for this request. */
  timeoutMs?: number
  signal?: AbortSignal
}

export type LinkState = 'idle' | 'connected' | 'backoff' | 'closed'

/** Counters of one link, for tests, benchmarks and metrics. */
export interface LinkStats {
  /** Requests put on the wire. */
  requests: number
  /** Successful connects after the first one. */
  reconnects: number
  /** Replies that matched no request in flight (late after a timeout). */
  strayReplies: number
}

/**
 * One physical Modbus link (a TCP endpoint or a serial bus) shared by every unit id on it, spoken through
 * modbus-serial (`transport.ts`); the queue, deadlines, reconnects and in-flight failure are ours. All requests go
 * through one FIFO, one at a time, so RTU replies can never be paired with the wrong request and a TCP->RTU gateway
 * is never flooded. The link connects lazily, reconnects with back-off, fails the request in flight as soon as the
 * connection drops, and fails fast (REFUSED) while backing off instead of letting callers pile up.
 */
export interface Link {
  /** `tcp://host:port` or `rtu:<path>`: meters sharing a key must share the Link. */
  readonly key: string
  readonly state: LinkState
  readonly stats: Readonly<LinkStats>
  /** Reads `count` registers; resolves with their bytes (2 per register, as on the wire). */
  readRegisters(args: ReadRegistersArgs): Promise<Buffer>
  /**
   * `readRegisters(args).then(onReply, onError)` as one promise: the handler runs as soon as the exchange ends (or
   * fails, or is aborted) and the promise takes what it returns or throws. For a meter's per-reading path, where
   * the second promise and its extra microtask showed in bench:meter.
   */
  readRegistersThen<T>(
    args: ReadRegistersArgs,
    onReply: (regs: Buffer) => T,
    onError: (err: MeterError) => T,
  ): Promise<T>
  /** Fails everything queued or in flight with CLOSED and releases the socket / port. */
  close(): Promise<void>
}

interface Job {
  args: ReadRegistersArgs
  resolve: (value: unknown) => void
  reject: (err: unknown) => void
  settled: boolean
  /** The handlers of `readRegistersThen`, run before the job's promise settles; none for `readRegisters`. */
  onReply: ((regs: Buffer) => unknown) | undefined
  onError: ((err: MeterError) => unknown) | undefined
}

/**
 * @example
 * const link = createLink({ transport: 'tcp', host: '192.168.1.50', port: 502, timeoutMs: 1000 })
 * const regs = await link.readRegisters({ unitId: 1, functionCode: 4, address: 0, count: 76 })
 */
export function createLink(init: LinkInit): Link {
  return new ModbusLink(init)
}

/** The key identifying the physical link of `init`. */
export function linkKey(init: LinkInit): string {
  return init.transport === 'tcp' ? `tcp://${init.host}:${init.port}` : `rtu:${init.path}`
}

class ModbusLink implements Link {
  readonly key: string
  state: LinkState = 'idle'
  private readonly transport: Transport
  private readonly queue: Job[] = []
  private busy = false
  private inFlight: Job | undefined
  private everConnected = false
  private nextConnectAt = 0
  private backoffMs: number
  /** When the last exchange ended; kept only when the link paces requests (gap or unit switch delay). */
  private lastDoneAt = Number.NEGATIVE_INFINITY
  private lastUnitId: number | undefined
  private readonly counters = { requests: 0, reconnects: 0 }
  private readonly timeoutMs: number
  private readonly gapMs: number
  private readonly unitSwitchMs: number
  private readonly paced: boolean
  private readonly connectTimeoutMs: number
  private readonly backoffInitialMs: number
  private readonly backoffMaxMs: number
  private readonly logger: Logger | undefined

  constructor(init: LinkInit) {
    this.key = linkKey(init)
    const rtu = init.transport === 'rtu'
    this.timeoutMs = positive(init.timeoutMs ?? 1000, 'timeoutMs')
    this.gapMs = nonNegative(init.interFrameGapMs ?? (rtu ? 30 : 0), 'interFrameGapMs')
    this.unitSwitchMs = nonNegative(init.unitSwitchDelayMs ?? (rtu ? 200 : 0), 'unitSwitchDelayMs')
    this.paced = this.gapMs > 0 || this.unitSwitchMs > 0
    this.connectTimeoutMs = positive(init.connectTimeoutMs ?? 2000, 'connectTimeoutMs')
    this.backoffInitialMs = positive(init.backoff?.initialMs ?? 100, 'backoff.initialMs')
    this.backoffMaxMs = Math.max(this.backoffInitialMs, init.backoff?.maxMs ?? 5000)
    this.backoffMs = this.backoffInitialMs
    this.logger = init.logger
    this.transport = createTransport(
      init.transport === 'tcp'
        ? { kind: 'tcp', host: init.host, port: init.port }
        : {
            kind: 'rtu',
            path: init.path,
            baudRate: init.baudRate ?? 9600,
            parity: init.parity ?? 'none',
            dataBits: init.dataBits ?? 8,
            stopBits: init.stopBits ?? 1,
          },
    )
    this.transport.onDown = (err) => {
      this.logger?.warn({ link: this.key, err: err.shortMessage }, 'modbus link down')
      if (this.state !== 'closed') this.state = 'idle'
    }
  }

  get stats(): LinkStats {
    return { ...this.counters, strayReplies: this.transport.strayReplies }
  }

  readRegisters(args: ReadRegistersArgs): Promise<Buffer> {
    return this.enqueue(args, undefined, undefined) as Promise<Buffer>
  }

  readRegistersThen<T>(
    args: ReadRegistersArgs,
    onReply: (regs: Buffer) => T,
    onError: (err: MeterError) => T,
  ): Promise<T> {
    return this.enqueue(args, onReply, onError) as Promise<T>
  }

  private enqueue(args: ReadRegistersArgs, onReply: Job['onReply'], onError: Job['onError']): Promise<unknown> {
    checkArgs(args)
    return new Promise((resolve, reject) => {
      const job: Job = { args, resolve, reject, settled: false, onReply, onError }
      if (this.state === 'closed') return this.settle(job, new MeterError('link is closed', { code: 'CLOSED' }))
      const signal = args.signal
      if (signal?.aborted) return this.settle(job, aborted(signal))
      if (signal) {
        const onAbort = () => this.settle(job, aborted(signal))
        signal.addEventListener('abort', onAbort, { once: true })
        job.resolve = (regs) => {
          signal.removeEventListener('abort', onAbort)
          resolve(regs)
        }
        job.reject = (err) => {
          signal.removeEventListener('abort', onAbort)
          reject(err)
        }
      }
      this.queue.push(job)
      this.pump()
    })
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return
    this.state = 'closed'
    const err = new MeterError('link is closed', { code: 'CLOSED' })
    if (this.inFlight) this.settle(this.inFlight, err)
    this.failQueued(err)
    this.transport.destroy()
  }

  /**
   * Starts the next queued job when none is in progress. Dispatch is callback-driven, not an async loop: a reading
   * is a few microseconds of our work around the library's, and every extra promise layer showed in bench:meter.
   */
  private pump(): void {
    while (!this.busy) {
      const job = this.queue.shift()
      if (!job) return
      if (job.settled) continue
      this.busy = true
      this.start(job)
    }
  }

  private start(job: Job): void {
    if (this.state === 'closed') {
      this.finish(job, new MeterError('link is closed', { code: 'CLOSED' }))
      return
    }
    if (!this.transport.connected) {
      void this.connect(job).then((ok) => (ok ? this.start(job) : this.done()))
      return
    }
    if (!this.paced) {
      this.send(job)
      return
    }
    const unitId = job.args.unitId
    const gap = this.gapMs + (this.lastUnitId !== undefined && this.lastUnitId !== unitId ? this.unitSwitchMs : 0)
    const wait = gap > 0 ? this.lastDoneAt + gap - performance.now() : 0
    if (wait > 0) setTimeout(() => this.send(job), wait)
    else this.send(job)
  }

  private send(job: Job): void {
    if (job.settled) {
      this.done()
      return
    }
    const { unitId, functionCode, address, count } = job.args
    this.inFlight = job
    this.counters.requests++
    this.transport.read(unitId, functionCode, address, count, job.args.timeoutMs ?? this.timeoutMs, (err, regs) => {
      this.inFlight = undefined
      if (this.paced) this.lastDoneAt = performance.now()
      this.lastUnitId = unitId
      this.finish(job, err, regs)
    })
  }

  private finish(job: Job, err: MeterError | undefined, regs?: Buffer): void {
    this.settle(job, err, regs)
    this.done()
  }

  private done(): void {
    this.busy = false
    this.pump()
  }

  /** Connects, or fails the job (and everything queued behind it) fast while backing off. */
  private async connect(job: Job): Promise<boolean> {
    const now = performance.now()
    if (now < this.nextConnectAt) {
      this.settle(
        job,
        new MeterError(`${this.key} is down`, {
          code: 'REFUSED',
          details: `next connect attempt in ${Math.ceil(this.nextConnectAt - now)} ms`,
        }),
      )
      return false
    }
    try {
      await this.transport.connect(this.connectTimeoutMs)
    } catch (err) {
      this.nextConnectAt = performance.now() + this.backoffMs
      this.logger?.warn({ link: this.key, retryInMs: this.backoffMs }, 'modbus connect failed')
      this.backoffMs = Math.min(this.backoffMs * 2, this.backoffMaxMs)
      this.state = 'backoff'
      this.settle(job, err as MeterError)
      this.failQueued(err as MeterError)
      return false
    }
    if (this.state === 'closed') {
      this.transport.destroy()
      this.settle(job, new MeterError('link is closed', { code: 'CLOSED' }))
      return false
    }
    if (this.everConnected) this.counters.reconnects++
    this.everConnected = true
    this.backoffMs = this.backoffInitialMs
    this.state = 'connected'
    return true
  }

  private settle(job: Job, err: MeterError | undefined, regs?: Buffer): void {
    if (job.settled) return
    job.settled = true
    const { onReply, onError } = job
    if (!onReply || !onError) {
      if (err) job.reject(err)
      else job.resolve(regs!)
      return
    }
    try {
      job.resolve(err ? onError(err) : onReply(regs!))
    } catch (thrown) {
      job.reject(thrown)
    }
  }

  private failQueued(err: MeterError): void {
    for (const job of this.queue.splice(0)) this.settle(job, err)
  }
}

/** Judges a request before it is queued (no closures: this runs for every request). */
function checkArgs({ unitId, functionCode, address, count }: ReadRegistersArgs): void {
  if (!Number.isInteger(unitId) || unitId < 0 || unitId > 255) throw bad('unitId', `${unitId} not in 0..255`)
  if (functionCode !== 3 && functionCode !== 4) throw bad('functionCode', `${functionCode} is not 3 or 4`)
  if (!Number.isInteger(count) || count < 1 || count > MAX_READ_COUNT) throw bad('count', `${count} not in 1..125`)
  if (!Number.isInteger(address) || address < 0 || address + count > 0x10000) {
    throw bad('address', `${address} + ${count} registers not in 0..65535`)
  }
}

function bad(field: string, details: string): MeterError {
  return new MeterError('invalid Modbus read', { code: 'INVALID_ARGUMENT', field, details })
}

function aborted(signal: AbortSignal | undefined): MeterError {
  return new MeterError('read aborted', { code: 'ABORTED', cause: signal?.reason })
}

function positive(v: number, field: string): number {
  if (!(v > 0) || !Number.isFinite(v)) {
    throw new MeterError('link option must be > 0', { code: 'INVALID_ARGUMENT', field, details: String(v) })
  }
  return v
}

function nonNegative(v: number, field: string): number {
  if (!(v >= 0) || !Number.isFinite(v)) {
    throw new MeterError('link option must be >= 0', { code: 'INVALID_ARGUMENT', field, details: String(v) })
  }
  return v
}
