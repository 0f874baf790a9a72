import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { LoadedConfig } from '../../config/loadConfig.js'
import type { Clock } from '../../core/time/clock.js'
import { createLink } from '../../meter/link.js'
import { openMeter } from '../../meter/openMeter.js'
import type { MeterErrorKind, MeterSource } from '../ports.js'

/**
 * The node's meter over Modbus (TCP, or RTU on a serial line) with the profile from `meters/`: one link, one
 * meter, readings normalised by the meter adapter (counters guarded against glitches). Errors keep their meter
 * code and gain a `kind` for the node's metrics.
 *
 * @example
 * const meter = modbusMeter(config.meter, { clock, registry, logger })
 */
export function modbusMeter(
  m: LoadedConfig['meter'],
  deps: { clock: Clock; registry?: Registry; logger?: Logger },
): MeterSource {
  const common = { timeoutMs: m.timeoutMs, ...(deps.logger ? { logger: deps.logger } : {}) }
  const link =
    m.kind === 'modbus-rtu'
      ? createLink({
          transport: 'rtu',
          path: m.device,
          baudRate: m.baudRate,
          parity: m.parity,
          stopBits: m.stopBits,
          ...common,
        })
      : createLink({ transport: 'tcp', host: m.host, port: m.port, ...common })
  const meter = openMeter(link, {
    profile: m.profile,
    unitId: m.unitId,
    clock: deps.clock,
    timeoutMs: m.timeoutMs,
    staleAfterMs: m.staleAfterS * 1000,
    ...(deps.registry ? { metrics: { registry: deps.registry } } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
  })
  return {
    async read(signal) {
      try {
        const r = await meter.read(signal ? { signal } : {})
        return {
          ts: r.timestampMs,
          powerW: r.activePowerW,
          importWh: r.importEnergyWh,
          exportWh: r.exportEnergyWh,
        }
      } catch (err) {
        throw Object.assign(err as Error, { kind: kindOf((err as { code?: string }).code) })
      }
    },
    close: () => link.close(),
  }
}

/** Meter codes folded into the node's four kinds ("not available" kept apart from "timeout", as evcc does). */
function kindOf(code: string | undefined): MeterErrorKind {
  switch (code) {
    case 'TIMEOUT':
    case 'STALE':
      return 'timeout'
    case 'REFUSED':
    case 'DISCONNECTED':
    case 'CLOSED':
      return 'unavailable'
    case 'BAD_REPLY':
    case 'GLITCH':
    case 'IMPLAUSIBLE':
    case 'NOT_AVAILABLE':
    case 'ILLEGAL_ADDRESS':
    case 'MODBUS_EXCEPTION':
      return 'invalid'
    default:
      return 'other'
  }
}
