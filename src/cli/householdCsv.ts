import { type Address, getAddress, type Hex, isAddress } from 'viem'
import { ChainError, ChainErrorCode } from '../chain/errors.js'
import { meterIdOf } from '../chain/meterId.js'

/** One household to register: its account and meter. */
export interface HouseholdCsvRow {
  /** 1-based line in the file. */
  readonly line: number
  readonly account: Address
  readonly meter: string
  readonly meterId: Hex
}

/**
 * Parses the operator's household list: one `account,meter` per line; an optional header line `account,meter`,
 * blank lines and `#` comments are skipped. Every row is validated (address checksum, meter id) and no account or
 * meter may appear twice; an error names the line.
 *
 * @example
 * parseHouseholdCsv('account,meter\n0xf39F…2266,SDM630-0001\n')
 */
export function parseHouseholdCsv(text: string, opts: { maxRows?: number } = {}): HouseholdCsvRow[] {
  const rows: HouseholdCsvRow[] = []
  const accounts = new Map<string, number>()
  const meters = new Map<string, number>()
  const lines = text.split(/\r?\n/)
  for (const [i, rawLine] of lines.entries()) {
    const line = i + 1
    const content = rawLine.trim()
    if (!content || content.startsWith('#')) continue
    const cells = content.split(',').map((c) => c.trim())
    if (rows.length === 0 && cells[0]?.toLowerCase() === 'account') continue
    const bad = (message: string, field: string): never => {
      throw new ChainError(`households CSV line ${line}: ${message}`, { code: ChainErrorCode.InvalidInput, field })
    }
    if (cells.length !== 2) bad(`expected "account,meter", got ${cells.length} fields`, 'csv')
    const [account, meter] = cells as [string, string]
    if (!isAddress(account, { strict: false })) bad(`${JSON.stringify(account)} is not an address`, 'account')
    if (account !== account.toLowerCase() && !isAddress(account)) bad(`${account} has a wrong checksum`, 'account')
    let meterId: Hex
    try {
      meterId = meterIdOf(meter)
    } catch (err) {
      return bad((err as ChainError).shortMessage, 'meter')
    }
    const checksummed = getAddress(account)
    const seenAccount = accounts.get(checksummed)
    if (seenAccount) bad(`account ${checksummed} is already on line ${seenAccount}`, 'account')
    const seenMeter = meters.get(meterId)
    if (seenMeter) bad(`meter ${meter} is already on line ${seenMeter}`, 'meter')
    accounts.set(checksummed, line)
    meters.set(meterId, line)
    rows.push({ line, account: checksummed, meter, meterId })
    if (rows.length > (opts.maxRows ?? 10_000)) bad(`more than ${opts.maxRows ?? 10_000} households`, 'csv')
  }
  return rows
}
