import {
  type Address,
  BaseError,
  type Chain,
  type Client,
  formatEther,
  type Hex,
  keccak256,
  type LocalAccount,
  type TransactionReceipt,
  type Transport,
} from 'viem'
import {
  call,
  getBalance,
  getTransaction,
  getTransactionCount,
  getTransactionReceipt,
  sendRawTransaction,
} from 'viem/actions'
import { toChainError } from './describeRevert.js'
import { ChainError, ChainErrorCode } from './errors.js'
import { prepareTransaction } from './prepareTransaction.js'
import type { JournalEntry, TxJournal } from './txJournal.js'

/** A wallet client with a local (keystore) account: transactions are signed here, so their hash is known first. */
export type SigningClient = Client<Transport, Chain, LocalAccount>

/** One transaction a command wants to make. */
export interface TxPlan {
  /** Identity of the action (same action, same key): a retry finds the earlier attempt in the journal by it. */
  readonly key: string
  /** What a person reads, e.g. "register 0xabc… (meter m1)". */
  readonly description: string
  /** Omitted for a contract creation. */
  readonly to?: Address
  readonly data: Hex
  readonly value?: bigint
}

/** The gas estimate shown before the confirmation. */
export interface GasQuote {
  readonly description: string
  readonly gas: bigint
  /** Gas limit sent (estimate + 20 %). */
  readonly gasLimit: bigint
  /** Price per gas the transaction may pay at most (max fee, or the legacy gas price). */
  readonly maxFeePerGas: bigint
  /** gasLimit * maxFeePerGas + value, native units (wei): the most it can cost. */
  readonly maxCost: bigint
}

export interface SendHooks {
  /** Asked with the estimate before signing; resolving false cancels (CHAIN_DECLINED). Absent: no question. */
  confirm?(quote: GasQuote): Promise<boolean>
  /** A progress line (waiting for the receipt, resolving the journal). */
  progress?(line: string): void
}

export interface SendOptions extends SendHooks {
  journal: TxJournal
  plan: TxPlan
  /** How long to wait for a receipt before giving up (the journal keeps the transaction; default 5 min). */
  receiptTimeoutMs?: number
  /** Receipt polling period (default: the client's polling interval). */
  pollMs?: number
  /** RPC URL named in error messages. */
  rpcUrl?: string
}

export interface SentTx {
  readonly hash: Hex
  readonly receipt: TransactionReceipt
  /** True when an earlier attempt of the same action (from the journal) was found mined: nothing new was sent. */
  readonly resumed: boolean
}

/** What became of a journalled transaction. */
export type Resolution =
  | { readonly entry: JournalEntry; readonly outcome: 'mined'; readonly receipt: TransactionReceipt }
  | { readonly entry: JournalEntry; readonly outcome: 'dropped' }

/**
 * Sends one transaction at most once per action: resolves the account's unresolved journal entries first (an
 * earlier attempt of the same action that was mined is returned instead of sending again), estimates gas (a revert
 * is decoded into a sentence before anything is signed), checks the account can pay, asks `confirm`, signs, writes
 * the signed transaction to the journal, broadcasts it and waits for the receipt with progress lines.
 *
 * @example
 * const { receipt } = await sendTransactionOnce(wallet, { journal, plan: { key, description, to, data }, confirm })
 */
export async function sendTransactionOnce(client: SigningClient, opts: SendOptions): Promise<SentTx> {
  const { plan, journal } = opts
  const ctx = { rpcUrl: opts.rpcUrl, action: plan.description }
  try {
    for (const r of await resolveJournal(client, opts)) {
      if (r.outcome === 'mined' && r.entry.key === plan.key && r.receipt.status === 'success') {
        return { hash: r.entry.hash, receipt: r.receipt, resumed: true }
      }
    }
    const account = client.account
    const { request, gas, gasLimit, maxFeePerGas, nonce } = await prepareTransaction(client, plan)
    const quote: GasQuote = {
      description: plan.description,
      gas,
      gasLimit,
      maxFeePerGas,
      maxCost: gasLimit * maxFeePerGas + (plan.value ?? 0n),
    }
    const balance = await getBalance(client, { address: account.address })
    if (balance < quote.maxCost) {
      throw new ChainError(`${plan.description}: the account cannot pay for the gas of this transaction`, {
        code: ChainErrorCode.InsufficientFunds,
        details: `${account.address} holds ${formatEther(balance)} ${client.chain.nativeCurrency.symbol}, the transaction may cost up to ${formatEther(quote.maxCost)}; send it some of the chain's native currency`,
      })
    }
    if (opts.confirm && !(await opts.confirm(quote))) {
      throw new ChainError('cancelled: nothing was sent', { code: ChainErrorCode.Declined })
    }
    const raw = await account.signTransaction(request)
    const entry: JournalEntry = {
      key: plan.key,
      description: plan.description,
      chainId: client.chain.id,
      from: account.address,
      nonce,
      hash: keccak256(raw),
      raw,
      createdMs: Date.now(),
    }
    journal.add(entry) // before the broadcast: from here on a retry checks this hash instead of sending again
    try {
      await sendRawTransaction(client, { serializedTransaction: raw })
    } catch (err) {
      const e = toChainError(err, ctx)
      // Refused outright (revert, nonce, funds): never in any mempool. Unanswered: it may be; the journal keeps it.
      if (e.code !== ChainErrorCode.RpcDown) {
        journal.remove(entry.hash)
        throw e
      }
      throw new ChainError(e.shortMessage, {
        code: e.code,
        cause: err,
        details: `transaction ${entry.hash} may have reached the chain; it is in the journal ${journal.path}: run the same command again, it checks that transaction instead of sending another`,
      })
    }
    opts.progress?.(`sent ${entry.hash}`)
    const receipt = await waitForReceipt(client, entry, opts)
    journal.remove(entry.hash)
    if (receipt.status !== 'success') throw await revertReason(client, plan, receipt, ctx)
    return { hash: entry.hash, receipt, resumed: false }
  } catch (err) {
    throw toChainError(err, ctx)
  }
}

/**
 * Finds out what became of each unresolved journal entry of the client's account: mined (receipt), still pending
 * (waited for), never seen (re-broadcast while its nonce is free) or dropped (its nonce went to another transaction,
 * so it can never be mined). Resolved entries leave the journal.
 *
 * @example
 * for (const r of await resolveJournal(wallet, { journal })) console.log(r.entry.description, r.outcome)
 */
export async function resolveJournal(
  client: SigningClient,
  opts: Pick<SendOptions, 'journal' | 'progress' | 'receiptTimeoutMs' | 'pollMs'>,
): Promise<Resolution[]> {
  const out: Resolution[] = []
  for (const entry of opts.journal.unresolved(client.chain.id, client.account.address)) {
    opts.progress?.(`checking earlier transaction ${entry.hash} (${entry.description})`)
    let receipt = await receiptOf(client, entry.hash)
    if (!receipt) {
      const known = await getTransaction(client, { hash: entry.hash }).then(
        () => true,
        () => false,
      )
      if (!known) {
        const next = await getTransactionCount(client, { address: entry.from, blockTag: 'latest' })
        if (next > entry.nonce) {
          opts.journal.remove(entry.hash)
          opts.progress?.(`earlier transaction ${entry.hash} was never mined (its nonce is used): dropped`)
          out.push({ entry, outcome: 'dropped' })
          continue
        }
        await sendRawTransaction(client, { serializedTransaction: entry.raw }).catch(() => {}) // maybe known
      }
      receipt = await waitForReceipt(client, entry, opts)
    }
    opts.journal.remove(entry.hash)
    opts.progress?.(`earlier transaction ${entry.hash} (${entry.description}) mined in block ${receipt.blockNumber}`)
    out.push({ entry, outcome: 'mined', receipt })
  }
  return out
}

async function receiptOf(client: Client, hash: Hex): Promise<TransactionReceipt | undefined> {
  return getTransactionReceipt(client, { hash }).catch((err: unknown) => {
    if (err instanceof Error && err.name === 'TransactionReceiptNotFoundError') return undefined
    throw err
  })
}

/**
 * Polls for the receipt until `receiptTimeoutMs`. Each poll is bounded by the time left, and an unanswered poll
 * (RPC down, hanging) only counts as "no receipt yet": whatever the RPC does, the wait ends on time with
 * CHAIN_RECEIPT_TIMEOUT, naming the transaction, which stays in the journal as pending.
 */
async function waitForReceipt(
  client: SigningClient,
  entry: JournalEntry,
  opts: Pick<SendOptions, 'journal' | 'progress' | 'receiptTimeoutMs' | 'pollMs'>,
): Promise<TransactionReceipt> {
  const started = performance.now()
  const timeoutMs = opts.receiptTimeoutMs ?? 300_000
  const pollMs = opts.pollMs ?? client.pollingInterval
  let lastError: unknown
  for (;;) {
    const left = timeoutMs - (performance.now() - started)
    const receipt = await within(receiptOf(client, entry.hash), left).catch((err: unknown) => {
      lastError = err
      return undefined
    })
    if (receipt) return receipt
    const waited = performance.now() - started
    if (waited >= timeoutMs) throw receiptTimeout(entry, waited, opts.journal, lastError)
    opts.progress?.(`waiting for the receipt of ${entry.hash.slice(0, 10)}… ${Math.round(waited / 1000)} s`)
    await new Promise((r) => setTimeout(r, Math.min(pollMs, timeoutMs - waited)))
  }
}

/** `p`, or undefined once `ms` have passed (the request may still answer later; its answer is then ignored). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<undefined>((r) => {
    timer = setTimeout(() => r(undefined), Math.max(0, ms))
  })
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}

function receiptTimeout(entry: JournalEntry, waitedMs: number, journal: TxJournal, lastError: unknown): ChainError {
  const rpc = lastError === undefined ? '' : ` (the RPC did not answer the last receipt query: ${errorText(lastError)})`
  return new ChainError(
    `${entry.description}: no receipt for transaction ${entry.hash} after ${Math.round(waitedMs / 1000)} s; it may still be mined`,
    {
      code: ChainErrorCode.ReceiptTimeout,
      cause: lastError,
      details: `the transaction is kept as pending in the journal ${journal.path}${rpc}: run the same command again, it checks that transaction (and waits for it) instead of sending another`,
    },
  )
}

function errorText(err: unknown): string {
  return err instanceof BaseError ? err.shortMessage : err instanceof Error ? err.message : String(err)
}

/** Why a mined transaction reverted: the same call replayed at its block, decoded. */
async function revertReason(client: SigningClient, plan: TxPlan, receipt: TransactionReceipt, ctx: object) {
  try {
    await call(client, {
      account: client.account,
      to: plan.to,
      data: plan.data,
      value: plan.value,
      blockNumber: receipt.blockNumber,
    })
  } catch (err) {
    return toChainError(err, ctx)
  }
  return new ChainError(`${plan.description}: reverted in block ${receipt.blockNumber}`, {
    code: ChainErrorCode.Reverted,
    details: `transaction ${receipt.transactionHash}`,
  })
}
