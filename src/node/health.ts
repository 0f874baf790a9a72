import type { MeterErrorKind } from '../core/meter/reading.js'

/** The checks behind /health: each 'ok' or why not. */
export type HealthChecks = {
  readonly loop: 'ok' | 'stalled'
  readonly meter: 'ok' | MeterErrorKind | 'no_reading'
  readonly peers: 'ok' | 'none'
  readonly settlement: 'ok' | 'lagging'
}

export interface HealthInput {
  readonly now: number
  readonly lastTickMs: number
  readonly pollMs: number
  readonly meterFresh: boolean
  readonly meterError: MeterErrorKind | undefined
  readonly peers: number
  readonly settlementLagMs: number
  readonly intervalMs: number
}

/**
 * The node's health: down when its loop stalled (no step for six polls and a minute), degraded when the meter is
 * stale, no peer is connected or settlement lags four intervals behind.
 *
 * @example
 * const { status, checks } = nodeHealth({ now, lastTickMs, pollMs, ... })
 */
export function nodeHealth(h: HealthInput): { status: 'ok' | 'degraded' | 'down'; checks: HealthChecks } {
  const loopAlive = h.lastTickMs > 0 && h.now - h.lastTickMs < h.pollMs * 6 + 60_000
  const checks: HealthChecks = {
    loop: loopAlive ? 'ok' : 'stalled',
    meter: h.meterFresh ? 'ok' : (h.meterError ?? 'no_reading'),
    peers: h.peers > 0 ? 'ok' : 'none',
    settlement: h.settlementLagMs < 4 * h.intervalMs ? 'ok' : 'lagging',
  }
  const healthy = Object.values(checks).every((v) => v === 'ok')
  return { status: !loopAlive ? 'down' : healthy ? 'ok' : 'degraded', checks }
}

/** A meter adapter's error folded into the node's four kinds ("not available" kept apart from "timeout"). */
export function meterErrorKind(err: unknown, timedOut: boolean): MeterErrorKind {
  if (timedOut) return 'timeout'
  const e = err as { kind?: string; code?: string; name?: string }
  if (e?.kind === 'timeout' || e?.kind === 'unavailable' || e?.kind === 'invalid' || e?.kind === 'other') return e.kind
  const k = e?.kind ?? e?.code
  if (typeof k === 'string') {
    const lower = k.toLowerCase()
    if (lower.includes('timeout')) return 'timeout'
    if (lower.includes('unavailable') || lower.includes('econnrefused') || lower.includes('closed'))
      return 'unavailable'
    if (lower.includes('invalid') || lower.includes('range')) return 'invalid'
  }
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timeout'
  return 'other'
}
