import { mkdirSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Address, Hex } from 'viem'
import { z } from 'zod'
import { writeFileAtomic } from '../keystore/keystoreFile.js'
import type { MarketFees, SettlementTiming } from './deployMarket.js'
import { ChainError, ChainErrorCode } from './errors.js'

/**
 * What `gridlet market deploy` writes and every household's `gridlet init --market` reads: the chain, the contract,
 * the token and the market's parameters. No secret in it: the operator hands it out.
 */
export interface MarketFile {
  readonly format: 'gridlet-market/1'
  /** Market name; `marketId` is keccak256 of it. */
  readonly name: string
  readonly marketId: Hex
  readonly chainId: number
  readonly rpcUrl: string
  readonly contract: Address
  readonly token: { readonly address: Address; readonly symbol: string; readonly decimals: number }
  readonly timing: SettlementTiming
  readonly operator: Address
  readonly admin: Address
  /**
   * Network fees of a fee market (absent: a plain market): the recipient and the highest fee per Wh, token units,
   * as a decimal string (JSON has no bigint).
   */
  readonly fees?: { readonly recipient: Address; readonly maxFeePerWh: string }
  /** What the chain pays gas in, for showing gas costs (absent in older files: ETH, 18 decimals). */
  readonly nativeCurrency?: { readonly symbol: string; readonly decimals: number }
  /** Deployment transaction and block (status commands read events from there). */
  readonly deployment: { readonly tx: Hex; readonly block: number }
  /** keccak256 of the runtime code found and verified at `contract`. */
  readonly codeHash: Hex
}

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 0x-prefixed 20-byte address')
const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected a 0x-prefixed 32-byte hex value')
const seconds = z
  .number()
  .int()
  .nonnegative()
  .max(2 ** 32 - 1)

/** Schema of the market file (it crosses a trust boundary: validated on every load). */
export const marketFileSchema = z
  .object({
    format: z.literal('gridlet-market/1'),
    name: z.string().min(1).max(64),
    marketId: hex32,
    chainId: z.number().int().positive(),
    rpcUrl: z.url(),
    contract: address,
    token: z.object({
      address,
      symbol: z.string().max(32),
      decimals: z.number().int().min(0).max(36),
    }),
    timing: z.object({
      intervalLength: seconds.min(1),
      gateClosure: seconds,
      settleDelay: seconds,
      settlementWindow: seconds,
      withdrawalDelay: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    }),
    operator: address,
    admin: address,
    nativeCurrency: z
      .object({ symbol: z.string().min(1).max(16), decimals: z.number().int().min(0).max(36) })
      .strict()
      .optional(),
    fees: z
      .object({
        recipient: address.refine((a) => !/^0x0{40}$/.test(a), 'the fee recipient must not be the zero address'),
        maxFeePerWh: z
          .string()
          .regex(/^(0|[1-9][0-9]{0,38})$/, 'expected a decimal integer')
          .refine((v) => BigInt(v) < 2n ** 128n, 'must be below 2^128'),
      })
      .strict()
      .optional(),
    deployment: z.object({ tx: hex32, block: z.number().int().nonnegative() }),
    codeHash: hex32,
  })
  .strict()

/**
 * Validates a parsed market file; throws CHAIN_INVALID_INPUT naming the bad field.
 *
 * @example
 * const market = parseMarketFile(JSON.parse(text))
 */
export function parseMarketFile(json: unknown): MarketFile {
  const parsed = marketFileSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ChainError(`invalid market file: ${issue?.path.join('.') || 'file'}: ${issue?.message}`, {
      code: ChainErrorCode.InvalidInput,
      field: issue?.path.join('.'),
    })
  }
  return parsed.data as MarketFile
}

/**
 * The network fees a market file names, as the contract takes them (undefined: a plain market).
 *
 * @example
 * const fees = marketFeesOf(loadMarketFile('market.json'))
 */
export function marketFeesOf(file: Pick<MarketFile, 'fees'>): MarketFees | undefined {
  return file.fees && { recipient: file.fees.recipient, maxFeePerWh: BigInt(file.fees.maxFeePerWh) }
}

/**
 * Reads and validates a market file.
 *
 * @example
 * const { chainId, contract, rpcUrl } = loadMarketFile('market.json')
 */
export function loadMarketFile(path: string): MarketFile {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (cause) {
    throw new ChainError(`cannot read market file ${path}`, {
      code: ChainErrorCode.InvalidInput,
      field: 'market',
      cause,
    })
  }
  return parseMarketFile(json)
}

/**
 * Writes a market file (mode 0644: it is public), refusing to overwrite one (a second deployment is a new market).
 *
 * @example
 * writeMarketFile('market.json', market)
 */
export function writeMarketFile(path: string, market: MarketFile, opts: { overwrite?: boolean } = {}): void {
  parseMarketFile(market)
  mkdirSync(dirname(path), { recursive: true })
  let exists = false
  try {
    readFileSync(path)
    exists = true
  } catch {}
  if (exists && !opts.overwrite) {
    throw new ChainError(`market file ${path} exists; refusing to overwrite it`, {
      code: ChainErrorCode.InvalidInput,
      field: 'out',
    })
  }
  writeFileAtomic(path, `${JSON.stringify(market, null, 2)}\n`, 0o644)
}
