/**
 * Areas of the one code scheme: a `GridletError` code is `AREA_REASON` in upper snake case, the area naming the
 * module that judged the input (`CONFIG_INTERVAL_LENGTH`, `NODE_P2P_NOT_STARTED`, `SIM_NETWORK_HOST`). Device-level
 * meter codes (`TIMEOUT`, `BAD_REPLY`, ...) are the meter's own `MeterError` kinds and keep their short names.
 */
export const ERROR_AREAS = [
  'CHAIN',
  'CLEARING',
  'CLI',
  'CLOCK',
  'CONFIG',
  'DATA',
  'DIGEST',
  'FORECAST',
  'FRAME',
  'HTTP',
  'KEYSTORE',
  'NODE',
  'ORDER',
  'P2P',
  'PROTOCOL',
  'SIM',
  'STATUS',
  'STORE',
  'STRATEGY',
  'TARIFF',
] as const
export type ErrorArea = (typeof ERROR_AREAS)[number]

/** True when `code` follows the scheme: a known area, then one or more upper-case words. */
export function isSchemeCode(code: string): boolean {
  const m = /^([A-Z0-9]+)_[A-Z0-9]+(?:_[A-Z0-9]+)*$/.exec(code)
  return m !== null && (ERROR_AREAS as readonly string[]).includes(m[1]!)
}

/**
 * The one error class of gridlet, after viem's `BaseError`: a short message for people, optional details for
 * operators, the original `cause`, and a stable machine-readable `code` (see `ERROR_AREAS`) that metrics label and
 * tests assert on.
 *
 * @example
 * throw new GridletError('quantity must be > 0', { code: 'ORDER_QUANTITY', field: 'quantityWh' })
 */
export class GridletError extends Error {
  override name = 'GridletError'
  readonly shortMessage: string
  readonly code: string
  readonly field: string | undefined
  readonly details: string | undefined

  constructor(
    shortMessage: string,
    opts: { code: string; field?: string; details?: string; cause?: unknown } = { code: 'GRIDLET' },
  ) {
    const lines = [shortMessage]
    if (opts.field) lines.push(`Field: ${opts.field}`)
    if (opts.details) lines.push(`Details: ${opts.details}`)
    super(lines.join('\n'), opts.cause === undefined ? undefined : { cause: opts.cause })
    this.shortMessage = shortMessage
    this.code = opts.code
    this.field = opts.field
    this.details = opts.details
  }
}
