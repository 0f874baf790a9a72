import { format } from 'node:util'
import type { ComponentLogger, Logger } from '@libp2p/interface'
import { defaultLogger } from '@libp2p/logger'
import type { Logger as Pino } from 'pino'

/**
 * libp2p's component logger for a node that logs with pino: gridlet's own components (`gridlet:*`) write to
 * `pino` (debug messages at debug level, errors at error level), libp2p's internals keep their `DEBUG=libp2p:*`
 * logger, so an operator's log shows what the market did without libp2p's per-message chatter.
 *
 * @example
 * createLibp2p({ logger: pinoComponentLogger(pino()) })
 */
export function pinoComponentLogger(pino: Pino): ComponentLogger {
  const fallback = defaultLogger()
  return {
    forComponent: (name) =>
      name.startsWith('gridlet:') ? pinoLogger(pino.child({ component: name }), name) : fallback.forComponent(name),
  }
}

function pinoLogger(p: Pino, name: string): Logger {
  const log = ((fmt: unknown, ...args: unknown[]) => {
    if (p.isLevelEnabled('debug')) p.debug(errorOf(args), render(fmt, args))
  }) as Logger
  log.error = (fmt: unknown, ...args: unknown[]) => p.error(errorOf(args), render(fmt, args))
  log.trace = (fmt: unknown, ...args: unknown[]) => {
    if (p.isLevelEnabled('trace')) p.trace(errorOf(args), render(fmt, args))
  }
  log.enabled = p.isLevelEnabled('debug')
  log.newScope = (scope: string) => pinoLogger(p.child({ scope }), `${name}:${scope}`)
  return log
}

/** libp2p's format letters (%p peer, %a multiaddr, %e error, ...) rendered as strings. */
function render(fmt: unknown, args: unknown[]): string {
  return format(String(fmt).replace(/%[peabctk]/g, '%s'), ...args)
}

function errorOf(args: unknown[]): { err?: unknown } {
  const err = args.find((a) => a instanceof Error)
  return err === undefined ? {} : { err }
}
