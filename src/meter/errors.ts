import { GridletError } from '../core/errors.js'

/**
 * Stable codes of meter errors, used as metric labels and asserted on by tests.
 * `NOT_AVAILABLE` (the device says "no such value": sentinel, NaN, unimplemented SunSpec point) is kept apart from
 * `TIMEOUT` (the device said nothing in time), as evcc does: the first is a property of the device, the second of
 * the link.
 */
export const MeterErrorCode = {
  /** No reply within the per-request timeout. */
  TIMEOUT: 'TIMEOUT',
  /** Could not connect / open the port (refused, no such device); the link is backing off. */
  REFUSED: 'REFUSED',
  /** The connection dropped while the request was in flight or queued. */
  DISCONNECTED: 'DISCONNECTED',
  /** Modbus exception 2: the device does not have this register range. */
  ILLEGAL_ADDRESS: 'ILLEGAL_ADDRESS',
  /** Any other Modbus exception reply (illegal function, device failure, gateway errors...). */
  MODBUS_EXCEPTION: 'MODBUS_EXCEPTION',
  /** A reply that does not fit the request: wrong length, unit id, function code, CRC, model id. */
  BAD_REPLY: 'BAD_REPLY',
  /** The last good reading is older than the configured age. */
  STALE: 'STALE',
  /** A counter went backwards or jumped beyond what the meter's power allows since the last good reading. */
  GLITCH: 'GLITCH',
  /**
   * A value no meter can report (voltage outside mains range, frequency off 45-65 Hz, phase powers that do not add
   * up, power above V x I, a counter beyond a lifetime at full power): wrong word order, profile or unit id.
   */
  IMPLAUSIBLE: 'IMPLAUSIBLE',
  /** The device marks a required value as not available. */
  NOT_AVAILABLE: 'NOT_AVAILABLE',
  /** The caller aborted (AbortSignal). */
  ABORTED: 'ABORTED',
  /** The link was closed by its owner. */
  CLOSED: 'CLOSED',
  /** No SunSpec marker at any base address, or no usable model in the chain. */
  NO_SUNSPEC: 'NO_SUNSPEC',
  /** A caller passed an impossible request (unit id, address, count out of range). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A profile file is invalid. */
  PROFILE: 'PROFILE',
} as const
export type MeterErrorCode = (typeof MeterErrorCode)[keyof typeof MeterErrorCode]

/**
 * Every failure of the meter adapter. `code` is one of {@link MeterErrorCode}.
 *
 * @example
 * try { await meter.read() } catch (err) { if (err instanceof MeterError && err.code === 'TIMEOUT') retryLater() }
 */
export class MeterError extends GridletError {
  override name = 'MeterError'
  declare readonly code: MeterErrorCode
  /** Modbus exception code when `code` is ILLEGAL_ADDRESS or MODBUS_EXCEPTION. */
  readonly exceptionCode: number | undefined
  /** IMPLAUSIBLE and GLITCH: the value of `field` that was rejected. */
  readonly value: number | undefined
  /** IMPLAUSIBLE and GLITCH: the range `value` had to be in. */
  readonly expected: Readonly<ValueRange> | undefined
  /** What to try (word order, profile, unit id), for people. */
  readonly hint: string | undefined

  constructor(
    shortMessage: string,
    opts: {
      code: MeterErrorCode
      field?: string
      details?: string
      cause?: unknown
      exceptionCode?: number
      value?: number
      expected?: ValueRange
      hint?: string
    },
  ) {
    super(shortMessage, opts)
    this.exceptionCode = opts.exceptionCode
    this.value = opts.value
    this.expected = opts.expected
    this.hint = opts.hint
  }
}

/** An inclusive range a value must lie in; `unit` for messages (V, Hz, W, A, Wh). */
export interface ValueRange {
  min: number
  max: number
  unit: string
}

/** Wraps anything thrown into a MeterError so callers only ever see typed errors. */
export function toMeterError(err: unknown): MeterError {
  if (err instanceof MeterError) return err
  return new MeterError('unexpected meter failure', {
    code: 'BAD_REPLY',
    details: err instanceof Error ? err.message : String(err),
    cause: err,
  })
}
