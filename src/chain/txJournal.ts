import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Address, Hex } from 'viem'
import { z } from 'zod'
import { writeFileAtomic } from '../keystore/keystoreFile.js'
import { ChainError, ChainErrorCode } from './errors.js'

/** A signed transaction written down before it was broadcast: what a retry checks instead of sending again. */
export interface JournalEntry {
  /** What the transaction does, e.g. `deposit:<contract>:<account>:<amount>`: a retry of the same action matches. */
  readonly key: string
  /** Human description, e.g. "deposit 50 gEUR". */
  readonly description: string
  readonly chainId: number
  readonly from: Address
  readonly nonce: number
  readonly hash: Hex
  /** The signed raw transaction, re-broadcast when the chain has never seen it. */
  readonly raw: Hex
  readonly createdMs: number
}

const hex = z.string().regex(/^0x[0-9a-fA-F]*$/)
const entrySchema = z.object({
  key: z.string().min(1),
  description: z.string(),
  chainId: z.number().int().positive(),
  from: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  nonce: z.number().int().nonnegative(),
  hash: hex.length(66),
  raw: hex,
  createdMs: z.number(),
})
const journalSchema = z.object({ version: z.literal(1), unresolved: z.array(entrySchema).max(1000) })

/**
 * The transaction journal of the market and escrow commands (a JSON file, written atomically before each
 * broadcast): a transaction whose fate the command did not see (timeout, RPC down, Ctrl-C) stays here until a later
 * command resolves it on chain, so running a command again never sends the same deposit twice.
 *
 * @example
 * const journal = new TxJournal('.gridlet/tx-journal.json')
 * journal.add(entry); ...; journal.remove(entry.hash)
 */
export class TxJournal {
  readonly path: string
  #entries: JournalEntry[]

  constructor(path: string) {
    this.path = path
    this.#entries = existsSync(path) ? load(path) : []
  }

  /** Unresolved entries of `from` on `chainId`, oldest first. */
  unresolved(chainId: number, from: Address): JournalEntry[] {
    return this.#entries.filter((e) => e.chainId === chainId && e.from.toLowerCase() === from.toLowerCase())
  }

  add(entry: JournalEntry): void {
    this.#entries = [...this.#entries.filter((e) => e.hash !== entry.hash), entry]
    this.#save()
  }

  remove(hash: Hex): void {
    this.#entries = this.#entries.filter((e) => e.hash !== hash)
    this.#save()
  }

  #save(): void {
    mkdirSync(dirname(this.path), { recursive: true })
    writeFileAtomic(this.path, `${JSON.stringify({ version: 1, unresolved: this.#entries }, null, 2)}\n`)
  }
}

function load(path: string): JournalEntry[] {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (cause) {
    throw new ChainError(`cannot read the transaction journal ${path}`, {
      code: ChainErrorCode.InvalidInput,
      field: 'journal',
      cause,
    })
  }
  const parsed = journalSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ChainError(`invalid transaction journal ${path}: ${issue?.message}`, {
      code: ChainErrorCode.InvalidInput,
      field: `journal.${issue?.path.join('.')}`,
    })
  }
  return parsed.data.unresolved as JournalEntry[]
}
