import type { MeterError } from './errors.js'
import type { Link } from './link.js'
import { discoverSunSpec } from './sunspec.js'

/** Modbus exceptions a TCP->RTU gateway sends on behalf of a device that is not there (path unavailable, no reply). */
export const GATEWAY_EXCEPTIONS: readonly number[] = [0x0a, 0x0b]

/** A unit that answered: with register data, or with a Modbus exception of its own. */
export interface FoundUnit {
  unitId: number
  /** True when input registers 0..1 were returned; false when the device answered with an exception. */
  inputRegisters: boolean
  /** The exception the device answered the probe with. */
  exceptionCode?: number
  sunspec?: { base: number; models: number[] }
}

export type ScanOutcome =
  | ({ status: 'found' } & FoundUnit)
  /** No reply within the timeout. */
  | { status: 'silent'; unitId: number }
  /** A gateway answered 0x0A/0x0B for it: nothing behind that id. */
  | { status: 'gateway'; unitId: number; exceptionCode: number }
  /** The connection dropped or the reply was garbled: not an answer. */
  | { status: 'error'; unitId: number; code: string; message: string }

/**
 * Probes each unit id once (one FC4 read of 2 registers at 0, no retries: a silent id costs exactly one timeout)
 * and looks for SunSpec on those that answered. A unit counts as found only when it returned data or a Modbus
 * exception other than the gateway exceptions; a dropped connection or a garbled reply is reported as an error for
 * that id (the link reconnects for the next one). Throws when the link cannot connect at all (REFUSED) or on abort.
 *
 * @example
 * const outcomes = await scanUnits(link, [1, 2, 3], { onUnit: (o) => console.log(o) })
 * const found = outcomes.filter((o) => o.status === 'found')
 */
export async function scanUnits(
  link: Link,
  unitIds: readonly number[],
  opts: { signal?: AbortSignal; onUnit?: (outcome: ScanOutcome) => void } = {},
): Promise<ScanOutcome[]> {
  const outcomes: ScanOutcome[] = []
  for (const unitId of unitIds) {
    const outcome = await probeUnit(link, unitId, opts.signal)
    outcomes.push(outcome)
    opts.onUnit?.(outcome)
  }
  return outcomes
}

async function probeUnit(link: Link, unitId: number, signal: AbortSignal | undefined): Promise<ScanOutcome> {
  let found: FoundUnit
  try {
    await link.readRegisters({ unitId, functionCode: 4, address: 0, count: 2, signal })
    found = { unitId, inputRegisters: true }
  } catch (e) {
    const err = e as MeterError
    switch (err.code) {
      case 'TIMEOUT':
        return { status: 'silent', unitId }
      case 'ILLEGAL_ADDRESS':
      case 'MODBUS_EXCEPTION': {
        const exceptionCode = err.exceptionCode ?? 0
        if (GATEWAY_EXCEPTIONS.includes(exceptionCode)) return { status: 'gateway', unitId, exceptionCode }
        found = { unitId, inputRegisters: false, exceptionCode }
        break
      }
      case 'DISCONNECTED':
      case 'BAD_REPLY':
        return { status: 'error', unitId, code: err.code, message: err.shortMessage }
      default:
        throw err
    }
  }
  const sunspec = await discoverSunSpec(link, { unitId, signal }).then(
    (layout) => ({ base: layout.base, models: layout.models.map((m) => m.id) }),
    () => undefined,
  )
  return { status: 'found', ...found, ...(sunspec && { sunspec }) }
}
