import type { DatabaseSync } from 'node:sqlite'
import type { Logger } from 'pino'
import {
  type Account,
  type Address,
  type Chain,
  type Client,
  encodeFunctionData,
  encodePacked,
  getAddress,
  type Hex,
  keccak256,
  type Transport,
} from 'viem'
import {
  createAccessList,
  getBlockNumber,
  getContractEvents,
  getTransaction,
  getTransactionReceipt,
  readContract,
  sendRawTransaction,
  signTransaction,
  simulateContract,
} from 'viem/actions'
import type { VerifiedOrder } from '../core/order/types.js'
import type { Clock } from '../core/time/clock.js'
import { settlementAbi } from './contracts.js'
import { type Agreement, encodeSettlement, rootOfResult, type SettlementTrade } from './encodeSettlement.js'
import { ChainError, ChainErrorCode } from './errors.js'
import { migrateOutbox, Outbox, type OutboxEntry } from './outbox.js'
import { prepareTransaction } from './prepareTransaction.js'
import { readHouseholds } from './readHouseholds.js'
import { decodeRevert, settleArgs, settleFunctionOf, toChainError } from './settleBatch.js'

/**
 * A cleared interval as the market core's `clear()` returns it (only the fields settlement needs), with the
 * agreement that proves it on chain: the set hash and the quorum's result announcements.
 */
export interface ClearedInterval {
  readonly interval: bigint
  readonly trades: readonly SettlementTrade[]
  /** Undefined: nothing proves the result on chain; the entry is kept, visibly `unsettleable`. */
  readonly agreement: Agreement | undefined
  /** The result root as cleared; when given it must be the root of trades and agreement. */
  readonly root?: Hex
}

export interface BatcherInit {
  /** Shared node database; the outbox tables are created on construction. */
  db: DatabaseSync
  /** Signs and sends with this node's household key. */
  client: Client<Transport, Chain, Account>
  settlement: Address
  clock: Clock
  /** How long each submitter in the interval's order has before the next one steps in (default 2 min). */
  submitterTimeoutMs?: number
  /** First retry delay after an RPC failure, doubled per attempt up to `retryMaxMs` (defaults 1 s, 5 min). */
  retryBaseMs?: number
  retryMaxMs?: number
  /** A settled interval is watched for reorgs until its event is this many blocks deep (default 12). */
  finalityBlocks?: bigint
  /** First block to search `Settled` events from (default: 'earliest'; set to the deployment block). */
  fromBlock?: bigint
  logger?: Logger
  /**
   * Simulations reverting with an error that may pass later (a deposit, a re-registration) before the interval is
   * given up as `unsettleable` (default 5, with the retry backoff between them).
   */
  maxRevertRetries?: number
  /** Called after a signed transaction is stored and before it is broadcast (observability; tests crash here). */
  onSigned?: (entry: OutboxEntry) => void
}

/** Reverts that may pass later (a deposit, a re-registration): retried a bounded number of times. */
const RETRYABLE_REVERTS = new Set(['InsufficientBalance', 'UnregisteredAccount', 'UnauthorizedSubmitter', 'NoQuorum'])
/** Reverts that will pass by themselves: the chain's time has not reached the interval's settlement time yet. */
const WAIT_REVERTS = new Set(['TooEarly'])

/**
 * The order in which the participants of an interval may submit its settlement: sorted by
 * keccak256(interval, account), so every node computes the same order and the duty rotates between intervals.
 *
 * @example
 * const [primary, fallback] = submitterOrder(interval, participants)
 */
export function submitterOrder(interval: bigint, participants: readonly Address[]): Address[] {
  const unique = [...new Set(participants.map((a) => getAddress(a)))]
  const key = (a: Address) => keccak256(encodePacked(['uint64', 'address'], [interval, a]))
  return unique
    .map((a) => ({ a, k: key(a) }))
    .sort((x, y) => (x.k < y.k ? -1 : x.k > y.k ? 1 : 0))
    .map((x) => x.a)
}

/**
 * Settles cleared intervals on chain through a durable outbox: write first, then sign, store the signed
 * transaction, broadcast, and follow it until the `Settled` event is final. Idempotent and restart-safe: it
 * checks `isSettled` before every (re)send, re-broadcasts the stored transaction (same nonce, same hash) after a
 * crash or a reorg, treats a settlement with the same root by anyone as success, and never signs a second
 * transaction while its first may still be mined, except after that first one became invalid (nonce used).
 *
 * @example
 * const batcher = new Batcher({ db, client, settlement, clock })
 * const result = clear(orders, params)
 * batcher.enqueue({ ...result, agreement: { rule: result.rule, clearingPrice: result.clearingPrice, attestations } }, orders)
 * await batcher.run({ signal })
 */
export class Batcher {
  readonly outbox: Outbox
  private readonly households = new Map<Address, number>()
  private readonly timeoutMs: number
  private readonly retryBaseMs: number
  private readonly retryMaxMs: number
  private readonly finality: bigint
  private readonly maxRevertRetries: number

  constructor(private readonly init: BatcherInit) {
    migrateOutbox(init.db)
    this.outbox = new Outbox(init.db)
    this.timeoutMs = init.submitterTimeoutMs ?? 120_000
    this.retryBaseMs = init.retryBaseMs ?? 1_000
    this.retryMaxMs = init.retryMaxMs ?? 300_000
    this.finality = init.finalityBlocks ?? 12n
    this.maxRevertRetries = init.maxRevertRetries ?? 5
  }

  /** Writes a cleared interval to the outbox (no-op if it is there already). No chain access. */
  enqueue(result: ClearedInterval, orders: readonly VerifiedOrder[]): OutboxEntry {
    const root = result.agreement ? rootOfResult(result.interval, result.trades, result.agreement) : result.root
    if (!root || (result.root && result.root.toLowerCase() !== root.toLowerCase())) {
      throw new ChainError('the trades and agreement do not make the result root given', {
        code: ChainErrorCode.BatchEncoding,
        field: 'root',
        details: `${result.root} != ${root}`,
      })
    }
    const byId = new Map(orders.map((o) => [o.id.toLowerCase(), o]))
    const used = new Set(result.trades.flatMap((t) => [t.buyId.toLowerCase(), t.sellId.toLowerCase()]))
    const filled = [...used].map((id) => byId.get(id)).filter((o) => o !== undefined)
    return this.outbox.insert({
      settlement: this.init.settlement,
      interval: result.interval,
      root,
      orders: filled,
      trades: result.trades,
      agreement: result.agreement,
      participants: submitterOrder(
        result.interval,
        filled.map((o) => o.order.account),
      ),
      createdMs: this.init.clock.now(),
    })
  }

  /** One pass over every open outbox entry; returns the entries as they are afterwards. */
  async tick(): Promise<OutboxEntry[]> {
    const out: OutboxEntry[] = []
    for (const entry of this.outbox.open(this.init.settlement)) out.push(await this.step(entry))
    return out
  }

  /** Ticks every `everyMs` (default 2 s) until the signal aborts. */
  async run(opts: { everyMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const every = opts.everyMs ?? 2_000
    while (!opts.signal?.aborted) {
      await this.tick()
      await this.init.clock.sleepUntil(this.init.clock.now() + every, opts.signal).catch(() => undefined)
    }
  }

  private async step(entry: OutboxEntry): Promise<OutboxEntry> {
    if (entry.nextAttemptMs > this.init.clock.now()) return entry
    try {
      if (entry.state === 'confirmed') return await this.watch(entry)
      if (entry.state === 'sent') return await this.followUp(entry)
      return await this.maybeSend(entry)
    } catch (err) {
      const error = toChainError(err)
      // Re-read the row: the failed step may have stored progress (e.g. a signed transaction) before throwing.
      const current = this.outbox.get(entry.settlement, entry.interval) ?? entry
      const attempts = current.attempts + 1
      const delay = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.min(attempts - 1, 30))
      this.init.logger?.warn({ interval: entry.interval, err: error.shortMessage, attempts }, 'settlement retry')
      return this.outbox.update(current, {
        attempts,
        nextAttemptMs: this.init.clock.now() + delay,
        lastError: error.details ?? error.shortMessage,
      })
    }
  }

  /** Pending: settled already? Else, when it is our turn, sign, store, broadcast. */
  private async maybeSend(entry: OutboxEntry): Promise<OutboxEntry> {
    const settled = await this.findSettled(entry.interval)
    if (settled) return this.settledAs(entry, settled)
    const me = getAddress(this.init.client.account.address)
    const rank = entry.participants.indexOf(me)
    if (rank < 0 || this.init.clock.now() < entry.createdMs + rank * this.timeoutMs) return entry
    return this.sign(entry)
  }

  private async sign(entry: OutboxEntry): Promise<OutboxEntry> {
    const client = this.init.client
    if (!entry.agreement)
      return this.unsettleable(entry, 'no attestations (outbox row from before attested settlement)')
    const batch = await this.batchOf(entry)
    const call = { abi: settlementAbi, functionName: settleFunctionOf(batch), args: settleArgs(batch) } as const
    try {
      await simulateContract(client, { address: this.init.settlement, ...call })
    } catch (err) {
      return this.reverted(entry, err)
    }
    const data = encodeFunctionData(call)
    // An EIP-2930 access list makes each household slot 100 gas cheaper (see settleBatch).
    const { accessList } = await createAccessList(client, { to: this.init.settlement, data })
    const { request, nonce } = await prepareTransaction(client, { to: this.init.settlement, data, accessList })
    const rawTx = await signTransaction(client, request as never)
    const sent = this.outbox.update(entry, {
      state: 'sent',
      rawTx,
      txHash: keccak256(rawTx),
      nonce,
      lastError: undefined,
    })
    this.init.onSigned?.(sent)
    return this.broadcast(sent)
  }

  private async broadcast(entry: OutboxEntry): Promise<OutboxEntry> {
    try {
      await sendRawTransaction(this.init.client, { serializedTransaction: entry.rawTx! })
      this.init.logger?.info({ interval: entry.interval, tx: entry.txHash }, 'settlement sent')
      return this.outbox.update(entry, { attempts: 0, nextAttemptMs: 0 })
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      if (/already known|already imported/i.test(message)) return entry
      if (/nonce too low|nonce.*(already|used)|replacement transaction underpriced/i.test(message)) {
        // Our nonce went to another transaction: this one can never be mined. Sign afresh (after a settled check).
        this.init.logger?.warn({ interval: entry.interval, nonce: entry.nonce }, 'settlement nonce taken, re-signing')
        const settled = await this.findSettled(entry.interval)
        if (settled) return this.settledAs(entry, settled)
        return this.sign(entry)
      }
      throw err
    }
  }

  /** Sent: settled (by us or anyone)? Mined but reverted? Dropped (crash, reorg): broadcast the same bytes again. */
  private async followUp(entry: OutboxEntry): Promise<OutboxEntry> {
    const settled = await this.findSettled(entry.interval)
    if (settled) return this.settledAs(entry, settled)
    const receipt = await getTransactionReceipt(this.init.client, { hash: entry.txHash! }).catch(() => undefined)
    if (receipt?.status === 'reverted') {
      const batch = await this.batchOf(entry)
      try {
        await simulateContract(this.init.client, {
          address: this.init.settlement,
          abi: settlementAbi,
          functionName: settleFunctionOf(batch),
          args: settleArgs(batch),
        })
        return this.sign(entry) // reverted then (e.g. out of gas), passes now
      } catch (err) {
        return this.reverted(entry, err)
      }
    }
    if (receipt) return entry // mined with success: the next pass sees the event
    const pending = await getTransaction(this.init.client, { hash: entry.txHash! }).catch(() => undefined)
    if (pending) return entry
    return this.broadcast(entry)
  }

  /** Confirmed: until final, make sure the settlement is still on chain; a reorg that dropped it means resend. */
  private async watch(entry: OutboxEntry): Promise<OutboxEntry> {
    const settled = await this.findSettled(entry.interval)
    if (!settled) {
      this.init.logger?.warn({ interval: entry.interval }, 'settlement gone after a reorg, resending')
      return entry.byUs && entry.rawTx
        ? this.followUp(this.outbox.update(entry, { state: 'sent', block: undefined }))
        : this.outbox.update(entry, { state: 'pending', block: undefined, txHash: undefined, rawTx: undefined })
    }
    if (settled.root !== entry.root) return this.settledAs(entry, settled)
    const head = await getBlockNumber(this.init.client, { cacheTime: 0 })
    if (head - settled.block + 1n >= this.finality)
      return this.outbox.update(entry, { state: 'final', block: settled.block })
    return this.outbox.update(entry, { block: settled.block })
  }

  private settledAs(entry: OutboxEntry, settled: { root: Hex; txHash: Hex; block: bigint }): OutboxEntry {
    if (settled.root !== entry.root) {
      this.init.logger?.error(
        { interval: entry.interval, ours: entry.root, chain: settled.root },
        'settled with another root',
      )
      return this.outbox.update(entry, { state: 'conflict', block: settled.block, lastError: `root ${settled.root}` })
    }
    const byUs = settled.txHash.toLowerCase() === entry.txHash?.toLowerCase()
    this.init.logger?.info({ interval: entry.interval, byUs, block: settled.block }, 'settlement confirmed')
    return this.outbox.update(entry, { state: 'confirmed', block: settled.block, byUs, lastError: undefined })
  }

  /**
   * A revert on simulation: AlreadySettled is success-if-same-root (seen next pass); TooEarly waits; a few may pass
   * later and are retried `maxRevertRetries` times; every other one (and those, in the end) makes the interval
   * unsettleable, never retried for ever.
   */
  private reverted(entry: OutboxEntry, err: unknown): OutboxEntry {
    const revert = decodeRevert(err)
    if (!revert) throw err
    const reason = `${revert.name}(${revert.args.map(String).join(', ')})`
    if (revert.name === 'AlreadySettled') return this.outbox.update(entry, { state: 'pending', lastError: reason })
    if (WAIT_REVERTS.has(revert.name)) throw toChainError(err)
    if (RETRYABLE_REVERTS.has(revert.name) && entry.reverts + 1 < this.maxRevertRetries) {
      this.outbox.update(entry, { reverts: entry.reverts + 1 })
      throw toChainError(err)
    }
    return this.unsettleable(entry, reason)
  }

  private unsettleable(entry: OutboxEntry, reason: string): OutboxEntry {
    this.init.logger?.error({ interval: entry.interval, reason }, 'interval unsettleable: the contract refuses it')
    return this.outbox.update(entry, { state: 'unsettleable', lastError: reason })
  }

  /**
   * The batch of an entry: attestations of households registered for the entry's interval (`isRegisteredFor`; any
   * other would revert `AttesterNotRegistered`), the lowest household indices first, as many as the interval's quorum
   * (`quorumAt`) needs: the rule of the nodes' agreement (`registryAt`, `majorityQuorum`).
   */
  private async batchOf(entry: OutboxEntry) {
    const agreement = entry.agreement!
    const common = { address: this.init.settlement, abi: settlementAbi } as const
    const client = this.init.client
    const [quorum, registered] = await Promise.all([
      readContract(client, { ...common, functionName: 'quorumAt', args: [entry.interval] }),
      Promise.all(
        agreement.attestations.map((a) =>
          readContract(client, { ...common, functionName: 'isRegisteredFor', args: [a.account, entry.interval] }),
        ),
      ),
    ])
    const attestations = agreement.attestations.filter((_, i) => registered[i])
    const households = await this.householdsOf([
      ...entry.orders.map((o) => o.order.account),
      ...attestations.map((a) => a.account),
    ])
    return encodeSettlement(
      entry.interval,
      entry.orders,
      entry.trades,
      households,
      { ...agreement, attestations },
      { maxAttestations: Number(quorum) },
    )
  }

  /** The `Settled` event of an interval, if the chain has one (and `isSettled` agrees). */
  private async findSettled(interval: bigint): Promise<{ root: Hex; txHash: Hex; block: bigint } | undefined> {
    const common = { address: this.init.settlement, abi: settlementAbi } as const
    const isSettled = await readContract(this.init.client, { ...common, functionName: 'isSettled', args: [interval] })
    if (!isSettled) return undefined
    const [log] = await getContractEvents(this.init.client, {
      ...common,
      eventName: 'Settled',
      args: { interval },
      fromBlock: this.init.fromBlock ?? 'earliest',
    })
    if (!log?.args.root) return undefined
    return { root: log.args.root, txHash: log.transactionHash, block: log.blockNumber }
  }

  private async householdsOf(accounts: readonly Address[]): Promise<Map<Address, number>> {
    const missing = accounts.map((a) => getAddress(a)).filter((a) => !this.households.has(a))
    if (missing.length > 0) {
      const found = await readHouseholds(this.init.client, { settlement: this.init.settlement, accounts: missing })
      for (const [a, i] of found) this.households.set(a, i)
    }
    return this.households
  }
}
