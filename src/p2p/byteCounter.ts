import { Socket } from 'node:net'
import type { Metrics, MultiaddrConnection } from '@libp2p/interface'

/** Bytes a node wrote to and read from its raw connections (TCP payload: noise, yamux and all protocols). */
export interface ByteCounts {
  sent: number
  received: number
}

/** The TCP socket under a `@libp2p/tcp` connection, if it is one. */
function socketOf(maConn: MultiaddrConnection): Socket | undefined {
  const socket = (maConn as { socket?: unknown }).socket
  return socket instanceof Socket ? socket : undefined
}

/**
 * A libp2p `Metrics` that only counts raw connection bytes: the one figure the benchmark needs ("bytes sent per
 * node"), measured below encryption and multiplexing so it includes every overhead. Other metric registrations are
 * accepted and ignored. It also coalesces each connection's writes of one tick into one syscall (see `track`).
 */
export function byteCounter(): { metrics: Metrics; counts: ByteCounts } {
  const counts: ByteCounts = { sent: 0, received: 0 }
  // Any registration returns a callable, chainable no-op; never a thenable, or `await metrics.start()` would hang.
  // One shared no-op: Noise counts every packet it encrypts and decrypts, and a new Proxy per property read and
  // call (three per packet) cost ~2% of a market node's CPU.
  const noop: unknown = new Proxy(() => {}, {
    get: (_t, prop) => (prop === 'then' ? undefined : noop),
    apply: () => noop,
  })
  const track = (maConn: MultiaddrConnection) => {
    const send = maConn.send.bind(maConn)
    const socket = socketOf(maConn)
    maConn.send = (data) => {
      counts.sent += data.byteLength
      if (socket && !socket.writableCorked) {
        // One gossip message becomes several small writes (yamux header, noise length prefix and ciphertext, the
        // yamux window update of what we just read): corking until the end of the tick turns them into one
        // writev syscall. Profiling showed socket writes as a node's largest CPU cost.
        socket.cork()
        process.nextTick(() => socket.uncork())
      }
      return send(data)
    }
    maConn.addEventListener('message', (evt) => {
      counts.received += evt.data.byteLength
    })
  }
  const metrics = new Proxy({} as Metrics, {
    get: (_target, prop) => {
      if (prop === 'trackMultiaddrConnection') return track
      if (prop === 'traceFunction') return (_name: string, fn: unknown) => fn
      if (prop === 'then') return undefined
      return noop
    },
  })
  return { metrics, counts }
}
