import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { type AddressInfo, isIP } from 'node:net'
import { hostname } from 'node:os'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { toJson } from '../store/codec.js'
import { DASHBOARD_HTML, DASHBOARD_JS } from './dashboard.js'
import { ENVELOPE_PATH, type EnvelopeIntake, envelopeRoute } from './postEnvelope.js'
import { send } from './respond.js'

export interface HttpServerInit {
  host: string
  port: number
  /** Health: `down` answers 503 so a supervisor or load balancer can act. */
  health: () => { status: string; checks: Record<string, string> }
  status: () => unknown
  registry?: Registry
  logger?: Logger
  /**
   * Takes a grid operator's signed envelope for the node to gossip (`POST /api/envelope`, docs/grid.md). Absent:
   * the route answers 404 (a market without a grid operator).
   */
  envelope?: EnvelopeIntake
}

export interface HttpServer {
  readonly url: string
  close(): Promise<void>
}

/**
 * The node's local HTTP API: `/health`, `/metrics` (Prometheus), `/api/status` (JSON) and the dashboard at `/`, all
 * GET; and `POST /api/envelope`, the one write, authenticated by the grid operator's signature on the envelope it
 * carries (`envelopeRoute`). Against DNS rebinding, a request is answered only when its Host names this machine in a way
 * no one else's DNS can: an IP address, `localhost` (or `*.localhost`), the bound host name, or the machine's own
 * name (`os.hostname()`, with or without `.local`, as mDNS announces it); others get 421, whatever the bind address.
 *
 * @example
 * const http = await startHttpServer({ host: '127.0.0.1', port: 8080, health, status, registry })
 */
export async function startHttpServer(init: HttpServerInit): Promise<HttpServer> {
  const names = ownNames(init.host)
  const envelope = init.envelope && envelopeRoute(init.envelope, init.registry)
  const server = createServer((req, res) => {
    handle(init, names, envelope, req, res).catch((err) => {
      init.logger?.warn({ err }, 'http handler failed')
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error')
    })
  })
  server.keepAliveTimeout = 5000
  server.headersTimeout = 10_000
  server.requestTimeout = 10_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(init.port, init.host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const host = init.host.includes(':') ? `[${init.host}]` : init.host
  return { url: `http://${host}:${port}`, close: () => closeServer(server) }
}

async function handle(
  init: HttpServerInit,
  names: ReadonlySet<string>,
  envelope: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (!hostAllowed(req.headers.host, names)) return send(res, 421, 'text/plain', 'unknown host')
  const path = (req.url ?? '/').split('?')[0]
  if (path === ENVELOPE_PATH && envelope) return envelope(req, res)
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed')
  switch (path) {
    case '/':
    case '/index.html':
      return send(res, 200, 'text/html; charset=utf-8', DASHBOARD_HTML)
    case '/dashboard.js':
      return send(res, 200, 'text/javascript; charset=utf-8', DASHBOARD_JS)
    case '/health': {
      const h = init.health()
      return send(
        res,
        h.status === 'down' ? 503 : 200,
        'application/json',
        toJson({ status: h.status, checks: h.checks }),
      )
    }
    case '/api/status':
      return send(res, 200, 'application/json', toJson(init.status()))
    case '/metrics':
      if (!init.registry) return send(res, 404, 'text/plain', 'metrics disabled')
      return send(res, 200, init.registry.contentType, await init.registry.metrics())
    default:
      return send(res, 404, 'text/plain', 'not found')
  }
}

/** The names of this machine a Host header may use besides IP addresses (lower case). */
function ownNames(bound: string): Set<string> {
  const machine = hostname().toLowerCase()
  return new Set(['localhost', bound.toLowerCase(), machine, `${machine}.local`])
}

function hostAllowed(header: string | undefined, names: ReadonlySet<string>): boolean {
  if (!header) return false
  let name: string
  try {
    name = new URL(`http://${header}`).hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '')
  } catch {
    return false
  }
  return isIP(name) !== 0 || names.has(name) || name.endsWith('.localhost')
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}
