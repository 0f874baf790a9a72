import { readFileSync, writeFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type Client,
  type ContractFunctionName,
  createTestClient,
  createWalletClient,
  type EncodeFunctionDataParameters,
  encodeFunctionData,
  type Hex,
  http,
  keccak256,
  type Transport,
  toHex,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { getTransactionCount, setBalance, waitForTransactionReceipt } from 'viem/actions'
import { z } from 'zod'
import type { Clock } from '../core/time/clock.js'
import { type Anvil, startAnvil } from './anvil.js'
import { localChain, settlementAbi, testTokenAbi } from './contracts.js'
import { deployMarket, type MarketFees, type SettlementTiming } from './deployMarket.js'
import { type DevKey, devKeys } from './devAccounts.js'
import { ChainError, ChainErrorCode } from './errors.js'
import { followClock } from './followClock.js'
import { sendPreparedTransaction } from './prepareTransaction.js'

/** A household of the dev market: a registered, funded account with a DEV key from anvil's test mnemonic. */
export interface DevHousehold extends DevKey {
  readonly meterId: Hex
}

/** What nodes and `sim/` need to use a market: written as JSON by `gridlet chain dev`. */
export interface DevChainConfig {
  readonly warning: string
  readonly rpcUrl: string
  readonly chainId: number
  readonly market: Hex
  readonly token: Address
  readonly settlement: Address
  readonly operator: DevKey
  readonly households: readonly DevHousehold[]
}

export interface DevChain extends DevChainConfig {
  /** Dev households (alias of `households`). */
  readonly accounts: readonly DevHousehold[]
  /** Stops anvil (when this dev chain started it). */
  stop(): Promise<void>
}

export interface StartDevChainOptions {
  /** Number of households to register and fund (default 3). */
  households?: number
  /** anvil port on 127.0.0.1 (free port when omitted). */
  port?: number
  chainId?: number
  /** Human market name; the market id is keccak256 of it (default 'gridlet-dev'). */
  marketName?: string
  /** Escrow deposit per household in token units (default 1,000 tokens of 6 decimals). */
  deposit?: bigint
  /** Contract timing (defaults: DEFAULT_SETTLEMENT_TIMING: 900 s intervals, 8-day withdrawal delay). */
  timing?: Partial<SettlementTiming>
  /** Network fees (default: none, a plain market). */
  fees?: MarketFees
  /** Use an RPC that is already running instead of starting anvil (must hold anvil's test accounts). */
  rpcUrl?: string
  /**
   * A market clock that runs ahead of real time (the demo's `demoClock(speed)`): the chain's block time follows it
   * (`followClock`), so intervals of that clock can be settled. Dev chains only.
   */
  clock?: Clock
  /** Extra anvil flags (e.g. `['--steps-tracing']`). */
  anvilArgs?: readonly string[]
  signal?: AbortSignal
}

export const DEV_KEY_WARNING =
  "DEV KEYS derived from anvil's public test mnemonic: anyone can spend from these accounts. Never use on a real chain."

/**
 * Starts anvil, deploys the test token and the settlement contract, registers `households` households and funds
 * their escrow. Resolves with the addresses, the dev keys, and `stop()`.
 *
 * @example
 * const dev = await startDevChain({ households: 3 })
 * try { ... dev.settlement, dev.accounts[0].privateKey ... } finally { await dev.stop() }
 */
export async function startDevChain(opts: StartDevChainOptions = {}): Promise<DevChain> {
  const count = opts.households ?? 3
  if (!Number.isInteger(count) || count < 1 || count > 10_000) {
    throw new ChainError('households must be an integer in 1..10000', {
      code: ChainErrorCode.Invalid,
      field: 'households',
    })
  }
  let anvil: Anvil | undefined
  if (!opts.rpcUrl)
    anvil = await startAnvil({ port: opts.port, chainId: opts.chainId, args: opts.anvilArgs, signal: opts.signal })
  try {
    const rpcUrl = opts.rpcUrl ?? anvil!.rpcUrl
    const chainId = opts.chainId ?? anvil?.chainId ?? 31337
    const [operator, ...households] = devKeys(count + 1) as [DevKey, ...DevKey[]]
    const client = createWalletClient({
      account: privateKeyToAccount(operator.privateKey),
      chain: localChain(chainId, rpcUrl),
      transport: http(rpcUrl),
      pollingInterval: 20,
    })
    const market = keccak256(toHex(opts.marketName ?? 'gridlet-dev'))
    const { token, settlement } = await deployMarket(client, {
      market,
      ...(opts.timing ? { timing: opts.timing } : {}),
      ...(opts.fees && { fees: opts.fees }),
    })
    const deposit = opts.deposit ?? 1_000_000_000n
    const devHouseholds = households.map((h, i) => ({ ...h, meterId: keccak256(toHex(`dev-meter-${i + 1}`)) }))
    const total = deposit * BigInt(count)
    await confirm(
      client,
      writeContract(client, {
        address: token,
        abi: testTokenAbi,
        functionName: 'mint',
        args: [operator.address, total],
      }),
    )
    await confirm(
      client,
      writeContract(client, { address: token, abi: testTokenAbi, functionName: 'approve', args: [settlement, total] }),
    )
    const anvilClient = createTestClient({ mode: 'anvil', transport: http(rpcUrl) })
    // Fire the setup transactions with explicit nonces and gas (anvil mines each on arrival), then check receipts.
    let nonce = await getTransactionCount(client, { address: operator.address, blockTag: 'pending' })
    const sent: Promise<Hex>[] = []
    for (const h of devHouseholds) {
      await setBalance(anvilClient, { address: h.address, value: 10n ** 21n })
      const common = { address: settlement, abi: settlementAbi, gas: 300_000n } as const
      sent.push(
        Promise.resolve(
          await writeContract(client, {
            ...common,
            functionName: 'register',
            args: [h.address, h.meterId],
            nonce: nonce++,
          }),
        ),
      )
      sent.push(
        Promise.resolve(
          await writeContract(client, {
            ...common,
            functionName: 'depositFor',
            args: [h.address, deposit],
            nonce: nonce++,
          }),
        ),
      )
    }
    await Promise.all(sent.map((hash) => confirm(client, hash)))
    const config: DevChainConfig = {
      warning: DEV_KEY_WARNING,
      rpcUrl,
      chainId,
      market,
      token,
      settlement,
      operator,
      households: devHouseholds,
    }
    const unfollow = opts.clock ? followClock(rpcUrl, opts.clock) : () => {}
    return {
      ...config,
      accounts: devHouseholds,
      stop: async () => {
        unfollow()
        await anvil?.stop()
      },
    }
  } catch (err) {
    await anvil?.stop()
    throw err
  }
}

/** viem's writeContract, but through the one transaction-preparation step: also runs on a legacy-fee chain. */
function writeContract<const abi extends Abi, fn extends ContractFunctionName<abi, 'nonpayable' | 'payable'>>(
  client: Client<Transport, Chain, Account>,
  call: EncodeFunctionDataParameters<abi, fn> & { address: Address; nonce?: number; gas?: bigint },
): Promise<Hex> {
  const { address, nonce, gas, ...encode } = call
  return sendPreparedTransaction(client, { to: address, data: encodeFunctionData(encode as never), nonce, gas })
}

async function confirm(client: Client, sent: Promise<Hex>) {
  const hash = await sent
  const receipt = await waitForTransactionReceipt(client, { hash })
  if (receipt.status !== 'success') {
    throw new ChainError('dev chain setup transaction reverted', { code: ChainErrorCode.Reverted, details: hash })
  }
}

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/) as unknown as z.ZodType<Address>
const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/) as unknown as z.ZodType<Hex>
const devKey = z.object({ address, privateKey: hex32 })

/** Schema of the dev chain config file (validated on load: it crosses a trust boundary). */
export const devChainConfigSchema = z.object({
  warning: z.string(),
  rpcUrl: z.url(),
  chainId: z.number().int().positive(),
  market: hex32,
  token: address,
  settlement: address,
  operator: devKey,
  households: z.array(devKey.extend({ meterId: hex32 })),
})

/** Writes the config JSON (parent directories created). */
export async function writeDevChainConfig(path: string, config: DevChainConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const { warning, rpcUrl, chainId, market, token, settlement, operator, households } = config
  const json = { warning, rpcUrl, chainId, market, token, settlement, operator, households }
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`)
}

/** Parses and validates a config written by `gridlet chain dev`; throws CHAIN_INVALID naming the bad field. */
export function parseDevChainConfig(json: unknown): DevChainConfig {
  const parsed = devChainConfigSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ChainError(`invalid dev chain config: ${issue?.message}`, {
      code: ChainErrorCode.Invalid,
      field: issue?.path.join('.'),
    })
  }
  return parsed.data as DevChainConfig
}

/**
 * Reads and validates the config file written by `gridlet chain dev` (default `.gridlet/chain-dev.json`).
 *
 * @example
 * const { rpcUrl, settlement, households } = loadDevChainConfig('.gridlet/chain-dev.json')
 */
export function loadDevChainConfig(path: string): DevChainConfig {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (cause) {
    throw new ChainError(`cannot read dev chain config ${path}`, { code: ChainErrorCode.Invalid, field: 'path', cause })
  }
  return parseDevChainConfig(json)
}
