/**
 * The one error class of gridlet, after viem's `BaseError`: a short message for people, optional details for
 * operators, the original `cause`, and a stable machine-readable `code` that metrics label and tests assert on.
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
