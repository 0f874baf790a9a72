/**
 * A settlement market on a real anvil for the attack catalogue (test/chain/attacks.ts), shared by its test and by
 * `npm run audit:settlement`: a dev chain with 8 registered, funded households, and the steps an attacker takes
 * (build and sign a book, get attestations, send `settle` and read the custom error it reverts with).
 */
import {
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { localChain, settlementAbi } from '../../src/chain/contracts.js'
import { type DevChain, startDevChain } from '../../src/chain/devChain.js'
import { type Agreement, encodeSettlement, type SettlementBatch } from '../../src/chain/encodeSettlement.js'
import { readHouseholds } from '../../src/chain/readHouseholds.js'
import { decodeRevert, settleBatch } from '../../src/chain/settleBatch.js'
import { agreementFor, type Book, type BookOptions, buildBook, marketDomain } from './orders.js'
import { pastRegistry } from './pastRegistry.js'

/** How an attack ended: refused (with the custom error's name, or another reason) or not. */
export interface Outcome {
  readonly refused: boolean
  readonly error: string
  /** The decoded error's arguments, when it has any. */
  readonly args?: readonly unknown[]
}

export type Wallet = ReturnType<typeof createWallet>

function createWallet(dev: DevChain, privateKey: Hex) {
  return createWalletClient({
    account: privateKeyToAccount(privateKey),
    chain: localChain(dev.chainId, dev.rpcUrl),
    transport: http(dev.rpcUrl),
    pollingInterval: 20,
  })
}

export interface AuditContext {
  readonly dev: DevChain
  readonly pub: PublicClient
  readonly operator: Wallet
  /** Household 0: the submitter of most batches. */
  readonly submitter: Wallet
  walletOf(privateKey: Hex): Wallet
  domain(): ReturnType<typeof marketDomain>
  /** A fresh interval whose settlement window is open now (block time). */
  interval(): Promise<bigint>
  /** The interval that contains the latest block's time. */
  currentInterval(): Promise<bigint>
  book(interval: bigint, trades?: number, extra?: Partial<BookOptions>): Promise<Book>
  /** The quorum's agreement on `book` (households 0.. sign), or by the given signers. */
  agree(interval: bigint, book: Book, signers?: BookOptions['keys']): Agreement
  encode(interval: bigint, book: Book, agreement?: Agreement): Promise<SettlementBatch>
  /** Sends settle; 'ok' outcome has refused false. */
  attempt(batch: SettlementBatch, wallet?: Wallet, settlement?: Address): Promise<Outcome>
  /** Sends any contract write and waits for success, or returns the revert as an outcome. */
  write(
    wallet: Wallet,
    functionName: string,
    args: readonly unknown[],
    address?: Address,
    abi?: readonly unknown[],
  ): Promise<Outcome>
  /** The quorum of `interval` (`quorumAt`), or of the intervals from the latest registry boundary on (`quorum`). */
  quorum(interval?: bigint): Promise<number>
  /**
   * Moves the chain's time on until the intervals `interval()` hands out (300 back) have the registry as it is now:
   * after a test changed it, so later intervals see the change (`pastRegistry`; of another deployment if given).
   */
  pastRegistry(settlement?: Address): Promise<void>
  /** Mines a block at `unixS` (only forward). */
  setTime(unixS: bigint): Promise<void>
  blockTime(): Promise<bigint>
  stop(): Promise<void>
}

/** Starts anvil with a dev market of `households` households (default 8). */
export async function startAuditContext(households = 8): Promise<AuditContext> {
  const dev = await startDevChain({ households })
  // The intervals settled below (300 back) are at or after the households' registry boundary.
  await pastRegistry(dev.rpcUrl, dev.settlement)
  const pub = createPublicClient({
    chain: localChain(dev.chainId, dev.rpcUrl),
    transport: http(dev.rpcUrl),
    pollingInterval: 20,
  }) as PublicClient
  const testClient = createTestClient({ mode: 'anvil', transport: http(dev.rpcUrl) })
  const walletOf = (key: Hex) => createWallet(dev, key)
  const submitter = walletOf(dev.accounts[0]!.privateKey)
  const domain = () => marketDomain(dev.chainId, dev.settlement)
  const length = BigInt(
    await pub.readContract({ address: dev.settlement, abi: settlementAbi, functionName: 'intervalLength' }),
  )
  const blockTime = async () => (await pub.getBlock({ blockTag: 'latest' })).timestamp
  const currentInterval = async () => (await blockTime()) / length
  let next = 0n
  const quorum = async (interval?: bigint) =>
    Number(
      interval === undefined
        ? await pub.readContract({ address: dev.settlement, abi: settlementAbi, functionName: 'quorum' })
        : await pub.readContract({
            address: dev.settlement,
            abi: settlementAbi,
            functionName: 'quorumAt',
            args: [interval],
          }),
    )
  const outcomeOf = (err: unknown): Outcome => {
    const revert = decodeRevert(err) ?? decodeRevert((err as { cause?: unknown }).cause)
    if (revert) return { refused: true, error: revert.name, args: revert.args }
    throw err
  }
  const ctx: AuditContext = {
    dev,
    pub,
    operator: walletOf(dev.operator.privateKey),
    submitter,
    walletOf,
    domain,
    currentInterval,
    async interval() {
      // 300 intervals back: inside the 7-day window (672 intervals of 900 s), after any time jump.
      const base = (await currentInterval()) - 300n
      if (next < base) next = base
      return next++
    },
    book: (interval, trades = 3, extra = {}) =>
      buildBook({ domain: domain(), market: dev.market, interval, keys: dev.accounts, trades, ...extra }),
    agree: (interval, book, signers) =>
      agreementFor(book, {
        domain: domain(),
        market: dev.market,
        interval,
        signers: signers ?? dev.accounts.slice(0, Math.floor(dev.accounts.length / 2) + 1),
      }),
    async encode(interval, book, agreement) {
      const a = agreement ?? ctx.agree(interval, book)
      const accounts = [...book.orders.map((o) => o.order.account), ...a.attestations.map((x) => x.account)]
      const households = await readHouseholds(pub, { settlement: dev.settlement, accounts })
      return encodeSettlement(interval, book.orders, book.trades, households, a)
    },
    async attempt(batch, wallet = submitter, settlement = dev.settlement) {
      try {
        const hash = await settleBatch(wallet, { settlement, batch })
        const receipt = await pub.waitForTransactionReceipt({ hash })
        return receipt.status === 'success' ? { refused: false, error: '' } : { refused: true, error: 'reverted' }
      } catch (err) {
        return outcomeOf(err)
      }
    },
    async write(wallet, functionName, args, address = dev.settlement, abi = settlementAbi) {
      try {
        const hash = await wallet.writeContract({ address, abi, functionName, args } as never)
        const receipt = await pub.waitForTransactionReceipt({ hash })
        return receipt.status === 'success' ? { refused: false, error: '' } : { refused: true, error: 'reverted' }
      } catch (err) {
        return outcomeOf(err)
      }
    },
    quorum,
    async pastRegistry(settlement = dev.settlement) {
      await pastRegistry(dev.rpcUrl, settlement)
    },
    async setTime(unixS) {
      await testClient.setNextBlockTimestamp({ timestamp: unixS })
      await testClient.mine({ blocks: 1 })
    },
    blockTime,
    stop: () => dev.stop(),
  }
  return ctx
}
