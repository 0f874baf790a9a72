import net from 'node:net'
import { SerialPort } from 'serialport'
import { encodeRtuAdu, encodeTcpAdu, rtuCrcOk, rtuRequestLength, splitTcpAdus } from './frame.js'

/** Answers one request PDU for a unit id: a reply PDU, or undefined to stay silent (unknown unit, dropped reply). */
export type PduHandler = (unitId: number, pdu: Buffer) => Buffer | undefined

export interface ServerBehaviour {
  /** Delay before each reply, ms. */
  delayMs(): number
  /** Close the connection instead of answering a request for this unit id. */
  disconnect(unitId: number): boolean
}

export interface ModbusServer {
  readonly port?: number
  readonly path?: string
  /** Destroys every open client connection (TCP). */
  dropConnections(): void
  close(): Promise<void>
}

/** A small Modbus TCP server: MBAP framing, one handler, replies in request order per connection. */
export async function startTcpServer(
  opts: { host: string; port: number },
  handle: PduHandler,
  behaviour: ServerBehaviour,
): Promise<ModbusServer> {
  const sockets = new Set<net.Socket>()
  const timers = new Set<NodeJS.Timeout>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.setNoDelay(true)
    socket.on('error', () => {})
    socket.once('close', () => sockets.delete(socket))
    let rx: Buffer = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      rx = rx.length === 0 ? chunk : Buffer.concat([rx, chunk])
      let adus: ReturnType<typeof splitTcpAdus>['adus']
      try {
        ;({ adus, rest: rx } = splitTcpAdus(rx))
      } catch {
        socket.destroy()
        return
      }
      for (const adu of adus) {
        if (behaviour.disconnect(adu.unitId)) {
          socket.destroy()
          return
        }
        const reply = handle(adu.unitId, adu.pdu)
        if (!reply) continue
        const frame = encodeTcpAdu(adu.transactionId, adu.unitId, reply)
        const delay = behaviour.delayMs()
        if (delay <= 0) socket.write(frame)
        else {
          const timer = setTimeout(() => {
            timers.delete(timer)
            if (!socket.destroyed) socket.write(frame)
          }, delay)
          timers.add(timer)
        }
      }
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as net.AddressInfo
  const dropConnections = () => {
    for (const s of sockets) s.destroy()
  }
  return {
    port: address.port,
    dropConnections,
    close: () =>
      new Promise((resolve) => {
        for (const t of timers) clearTimeout(t)
        dropConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * A small Modbus RTU server on a serial port (or one end of a socat pty pair). Frames are delimited by function
 * code length and checked by CRC; a silence longer than `frameGapMs` starts a new frame, so line noise cannot
 * wedge the parser.
 */
export async function startRtuServer(
  opts: { path: string; baudRate: number; parity: 'none' | 'even' | 'odd'; dataBits: 7 | 8; stopBits: 1 | 2 },
  handle: PduHandler,
  behaviour: ServerBehaviour,
): Promise<ModbusServer> {
  const port = new SerialPort({ ...opts, autoOpen: false })
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())))
  const timers = new Set<NodeJS.Timeout>()
  const frameGapMs = 20
  let rx: Buffer = Buffer.alloc(0)
  let lastByteAt = 0
  port.on('error', () => {})
  port.on('data', (chunk: Buffer) => {
    const now = performance.now()
    if (now - lastByteAt > frameGapMs) rx = Buffer.alloc(0)
    lastByteAt = now
    rx = rx.length === 0 ? chunk : Buffer.concat([rx, chunk])
    for (;;) {
      const length = rtuRequestLength(rx)
      if (length === undefined) return
      if (length < 0) {
        rx = Buffer.alloc(0)
        return
      }
      if (rx.length < length) return
      const frame = rx.subarray(0, length)
      if (!rtuCrcOk(frame)) {
        rx = rx.subarray(1) // resynchronise byte by byte
        continue
      }
      rx = rx.subarray(length)
      const unitId = frame[0]!
      const reply = unitId === 0 ? undefined : handle(unitId, Buffer.from(frame.subarray(1, length - 2)))
      if (!reply) continue
      const out = encodeRtuAdu(unitId, reply)
      const delay = behaviour.delayMs()
      if (delay <= 0) port.write(out)
      else {
        const timer = setTimeout(() => {
          timers.delete(timer)
          if (port.isOpen) port.write(out)
        }, delay)
        timers.add(timer)
      }
    }
  })
  return {
    path: opts.path,
    dropConnections: () => {},
    close: () =>
      new Promise((resolve) => {
        for (const t of timers) clearTimeout(t)
        if (port.isOpen) port.close(() => resolve())
        else resolve()
      }),
  }
}
