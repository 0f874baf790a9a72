import type { Metrics, MultiaddrConnection } from '@libp2p/interface'

/** Bytes a node wrote to and read from its raw connections (TCP payload: noise, yamux and all protocols). */
export interface ByteCounts {
  sent: number
  received: number
}

/**
 * A libp2p `Metrics` that only counts raw connection bytes: the one figure the benchmark needs ("bytes sent per
 * node"), measured below encryption and multiplexing so it includes every overhead. Other metric registrations are
 * accepted and ignored.
 */
export function byteCounter(): { metrics: Metrics; counts: ByteCounts } {
  const counts: ByteCounts = { sent: 0, received: 0 }
  // Any registration returns a callable, chainable no-op; never a thenable, or `await metrics.start()` would hang.
  const noop = (): unknown =>
    new Proxy(() => {}, {
      get: (_t, prop) => (prop === 'then' ? undefined : noop),
      apply: () => noop(),
    })
  const track = (maConn: MultiaddrConnection) => {
    const send = maConn.send.bind(maConn)
    maConn.send = (data) => {
      counts.sent += data.byteLength
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
