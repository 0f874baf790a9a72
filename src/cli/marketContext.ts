import { dirname, join, resolve } from 'node:path'
import { Option } from 'commander'
import { type Address, type Chain, type Client, getAddress, keccak256, type Transport } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { getCode, readContract } from 'viem/actions'
import { connectMarket } from '../chain/connectMarket.js'
import { settlementAbi } from '../chain/contracts.js'
import { toChainError } from '../chain/describeRevert.js'
import { ChainError, ChainErrorCode } from '../chain/errors.js'
import { loadMarketFile } from '../chain/marketFile.js'
import { DEFAULT_NATIVE_CURRENCY, type NativeCurrency } from '../chain/nativeCurrency.js'
import { readToken, type TokenInfo } from '../chain/readToken.js'
import type { GasQuote, SendHooks, SigningClient } from '../chain/sendTransactionOnce.js'
import { TxJournal } from '../chain/txJournal.js'
import { loadConfig } from '../config/loadConfig.js'
import { loadKey } from '../keystore/keystoreFile.js'
import { formatNative } from './amounts.js'
import type { CliIo } from './cliIo.js'

/** The options every market and escrow command shares. */
export interface MarketOptions {
  market?: string
  config?: string
  keystore?: string
  passphraseFile?: string
  journal?: string
  rpc?: string
  yes?: boolean
  raw?: boolean
  pollMs?: number
  /** Seconds to wait for a receipt before giving up (the transaction stays pending in the journal). */
  receiptTimeout?: number
}

export const marketOption = () =>
  new Option('-m, --market <file>', 'market file written by `gridlet market deploy`').env('GRIDLET_MARKET')
export const keystoreOption = () =>
  new Option('-k, --keystore <file>', 'encrypted keystore of the signing account').env('GRIDLET_KEYSTORE')
export const passFileOption = () =>
  new Option('--passphrase-file <path>', 'read the keystore passphrase from this file').env('GRIDLET_PASSPHRASE_FILE')
export const journalOption = () =>
  new Option('--journal <file>', 'transaction journal (default: tx-journal.json beside the keystore)')
export const yesOption = () => new Option('-y, --yes', 'send without asking (the gas estimate is still printed)')
export const rpcOption = () => new Option('--rpc <url>', "JSON-RPC endpoint (default: the market file's)")
export const pollOption = () =>
  new Option('--poll-ms <ms>', 'receipt polling period').argParser(Number).default(1000).hideHelp()
export const receiptTimeoutOption = () =>
  new Option(
    '--receipt-timeout <s>',
    'seconds to wait for a receipt; after that the command stops and the transaction stays pending in the journal',
  )
    .argParser(Number)
    .default(300)

/** A market opened for a command: where it is, its token, a client on the checked chain, maybe a signer. */
export interface MarketContext {
  readonly name: string
  readonly chainId: number
  readonly rpcUrl: string
  readonly contract: Address
  readonly token: TokenInfo
  /** What the chain pays gas in (the market file's; ETH when the market comes from a node config). */
  readonly native: NativeCurrency
  /** First block to read events from (the deployment's, from a market file). */
  readonly fromBlock: bigint
  readonly client: Client<Transport, Chain>
  /** The keystore a node config names (undefined with a market file). */
  readonly keystore: string | undefined
}

export interface SigningContext extends MarketContext {
  readonly signer: SigningClient
  readonly journal: TxJournal
  readonly hooks: SendHooks
  /** How long a command waits for a receipt (`--receipt-timeout`). */
  readonly receiptTimeoutMs: number
}

/**
 * Opens the market a command works on, from a market file (`--market`) or, for a household, its node config
 * (`-c`): connects to the RPC, checks its chain id and that the contract is the file's (code hash and token), and
 * reads the token's display unit. With `sign`, decrypts the keystore and opens the transaction journal.
 *
 * @example
 * const ctx = await openMarket(io, { market: 'market.json', keystore: 'operator/key.json' }, { sign: true })
 */
export async function openMarket(io: CliIo, o: MarketOptions, opts: { sign: true }): Promise<SigningContext>
export async function openMarket(io: CliIo, o: MarketOptions, opts?: { sign?: false }): Promise<MarketContext>
export async function openMarket(
  io: CliIo,
  o: MarketOptions,
  opts: { sign?: boolean } = {},
): Promise<MarketContext | SigningContext> {
  const src = marketSource(o)
  const keystore = o.keystore ?? src.keystore
  if (opts.sign && !keystore) {
    const where = o.config === undefined ? 'or set GRIDLET_KEYSTORE' : 'or -c with a node config'
    throw new ChainError(`no keystore: pass --keystore FILE (${where})`, {
      code: ChainErrorCode.InvalidInput,
      field: 'keystore',
    })
  }
  const account = opts.sign ? privateKeyToAccount(await loadKey(keystore!, { file: o.passphraseFile })) : undefined
  const client = await connectMarket({
    rpcUrl: src.rpcUrl,
    chainId: src.chainId,
    account,
    pollingMs: o.pollMs,
    nativeCurrency: src.native,
  })
  let tokenAddress: Address
  let code: `0x${string}` | undefined
  try {
    ;[code, tokenAddress] = (await Promise.all([
      getCode(client, { address: src.contract }),
      readContract(client, { address: src.contract, abi: settlementAbi, functionName: 'token' }).catch(() => undefined),
    ])) as [`0x${string}` | undefined, Address]
  } catch (err) {
    throw toChainError(err, { rpcUrl: src.rpcUrl })
  }
  if (!code || code === '0x' || !tokenAddress) {
    throw new ChainError(`no settlement contract at ${src.contract} on chain ${src.chainId}`, {
      code: ChainErrorCode.CodeMismatch,
      field: 'contract',
    })
  }
  if ((src.codeHash && keccak256(code) !== src.codeHash) || (src.token && getAddress(tokenAddress) !== src.token)) {
    throw new ChainError(`the contract at ${src.contract} is not the one the market file describes`, {
      code: ChainErrorCode.CodeMismatch,
      field: 'contract',
      details: 'its code or token differs from the deployment the market file records',
    })
  }
  const token = await readToken(client, { token: getAddress(tokenAddress) })
  const base = { ...src, token, client: client as Client<Transport, Chain> }
  if (!opts.sign) return base
  return {
    ...base,
    signer: client as unknown as SigningClient,
    journal: openJournal(o, keystore!),
    hooks: sendHooks(io, o, src.native),
    receiptTimeoutMs: (o.receiptTimeout ?? 300) * 1000,
  }
}

/** The market named by `--market` (a market file) or by a node config (`-c`, default gridlet.yaml). */
function marketSource(o: MarketOptions) {
  if (o.market) {
    const m = loadMarketFile(o.market)
    return {
      name: m.name,
      chainId: m.chainId,
      rpcUrl: o.rpc ?? m.rpcUrl,
      contract: getAddress(m.contract),
      fromBlock: BigInt(m.deployment.block),
      token: getAddress(m.token.address) as Address | undefined,
      codeHash: m.codeHash as `0x${string}` | undefined,
      keystore: undefined as string | undefined,
      native: m.nativeCurrency ?? DEFAULT_NATIVE_CURRENCY,
    }
  }
  if (!o.config) {
    throw new ChainError('no market: pass --market FILE (or -c with a node config)', {
      code: ChainErrorCode.InvalidInput,
      field: 'market',
    })
  }
  const c = loadConfig(o.config)
  return {
    name: c.market.name,
    chainId: c.market.chainId,
    rpcUrl: o.rpc ?? c.chain.rpcUrl,
    contract: getAddress(c.market.contract),
    fromBlock: 0n,
    token: undefined,
    codeHash: undefined,
    keystore: c.keystore,
    native: DEFAULT_NATIVE_CURRENCY,
  }
}

/**
 * The transaction journal: `--journal`, or tx-journal.json beside the keystore.
 *
 * @example
 * const journal = openJournal({}, '/etc/gridlet/keystore.json') // /etc/gridlet/tx-journal.json
 */
export function openJournal(o: MarketOptions, keystore: string): TxJournal {
  return new TxJournal(o.journal ?? join(dirname(resolve(keystore)), 'tx-journal.json'))
}

/**
 * Prints the gas estimate of every transaction and asks before sending, unless --yes.
 *
 * @example
 * await sendTransactionOnce(signer, { journal, plan, ...sendHooks(io, { yes: true }) })
 */
export function sendHooks(io: CliIo, o: MarketOptions, native = DEFAULT_NATIVE_CURRENCY): SendHooks {
  return {
    progress: (line) => io.progress(line),
    confirm: async (q: GasQuote) => {
      io.err(`${q.description}: gas ≈ ${q.gas} (limit ${q.gasLimit}), costs at most ${formatNative(q.maxCost, native)}`)
      if (o.yes) return true
      const ok = await io.ask('send this transaction?')
      if (!ok) io.err('not sent (answer y on a terminal, or pass --yes)')
      return ok
    },
  }
}
