import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { toJson } from '../store/codec.js'
import { DASHBOARD_HTML, DASHBOARD_JS } from './dashboard.js'

export interface HttpServerInit {
  host: string
  port: number
  /** Health: `down` answers 503 so a supervisor or load balancer can act. */
  health: () => { status: string; checks: Record<string, string> }
  status: () => unknown
  registry?: Registry
  logger?: Logger
}

export interface HttpServer {
  readonly url: string
  close(): Promise<void>
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
}

/**
 * The node's local HTTP API: `/health`, `/metrics` (Prometheus), `/api/status` (JSON) and the dashboard at `/`.
 * Read-only, GET only; requests whose Host header is not this machine are refused (DNS rebinding).
 *
 * @example
 * const http = await startHttpServer({ host: '127.0.0.1', port: 8080, health, status, registry })
 */
export async function startHttpServer(init: HttpServerInit): Promise<HttpServer> {
  const server = createServer((req, res) => {
    handle(init, req, res).catch((err) => {
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

async function handle(init: HttpServerInit, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed')
  if (!hostAllowed(req.headers.host, init.host)) return send(res, 421, 'text/plain', 'unknown host')
  const path = (req.url ?? '/').split('?')[0]
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

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...SECURITY_HEADERS })
  res.end(res.req.method === 'HEAD' ? undefined : body)
}

function hostAllowed(header: string | undefined, bound: string): boolean {
  if (!header) return false
  const name = header
    .replace(/:\d+$/, '')
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
  return ['localhost', '127.0.0.1', '::1', bound.toLowerCase()].includes(name) || bound === '0.0.0.0' || bound === '::'
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}
