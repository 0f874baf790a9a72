import type { AccessList, Account, Address, Chain, Client, Hex, TransactionSerializable, Transport } from 'viem'
import {
  estimateGas,
  getBlock,
  getTransactionCount,
  prepareTransactionRequest,
  sendRawTransaction,
  signTransaction,
} from 'viem/actions'

/** How a chain prices gas: EIP-1559 (its blocks carry a base fee) or a legacy gas price (pre-London chains). */
export type FeeMode = 'eip1559' | 'legacy'

/** A transaction to prepare: a call (`to`) or a contract creation (no `to`). */
export interface TransactionIntent {
  readonly to?: Address
  readonly data: Hex
  readonly value?: bigint
  /** Explicit nonce (a batch fired without waiting, a replacement); default: the account's pending nonce. */
  readonly nonce?: number
  /** EIP-2930 access list: sent as type 2 on an EIP-1559 chain, type 1 on a legacy one. */
  readonly accessList?: AccessList
  /** Gas limit; default: the node's estimate + 20 %. Given, nothing is estimated (e.g. calls fired in a row). */
  readonly gas?: bigint
}

/** A transaction ready to sign, and what it may cost. */
export interface PreparedTransaction {
  /** For `account.signTransaction` or viem's `signTransaction`: type, chain id, nonce, gas and fees all set. */
  readonly request: TransactionSerializable
  readonly feeMode: FeeMode
  /** The node's gas estimate (the given limit when `gas` was given). */
  readonly gas: bigint
  /** Gas limit sent. */
  readonly gasLimit: bigint
  /** Price per gas the transaction may pay at most (max fee, or the legacy gas price), wei. */
  readonly maxFeePerGas: bigint
  readonly nonce: number
}

/**
 * The one transaction-preparation step of every gridlet transaction (market and escrow commands, deployment, the
 * dev chain, the settlement batcher): picks the fee mode from the chain's latest block (viem would otherwise sign
 * EIP-1559, which a chain without a base fee refuses), estimates gas with a 20 % margin unless a limit is given,
 * takes the pending nonce unless one is given, and fills in the fees.
 *
 * @example
 * const { request, gasLimit, maxFeePerGas } = await prepareTransaction(wallet, { to, data })
 * const raw = await signTransaction(wallet, request)
 */
export async function prepareTransaction(
  client: Client<Transport, Chain, Account>,
  tx: TransactionIntent,
): Promise<PreparedTransaction> {
  const account = client.account
  const [block, gas, nonce] = await Promise.all([
    getBlock(client),
    tx.gas ?? estimateGas(client, { account, to: tx.to, data: tx.data, value: tx.value, accessList: tx.accessList }),
    tx.nonce ?? getTransactionCount(client, { address: account.address, blockTag: 'pending' }),
  ])
  const feeMode: FeeMode = typeof block.baseFeePerGas === 'bigint' ? 'eip1559' : 'legacy'
  const gasLimit = tx.gas ?? gas + gas / 5n
  const type = feeMode === 'eip1559' ? 'eip1559' : tx.accessList ? 'eip2930' : 'legacy'
  const request = await prepareTransactionRequest(client, {
    account,
    chain: client.chain,
    to: tx.to,
    data: tx.data,
    value: tx.value,
    accessList: tx.accessList,
    gas: gasLimit,
    nonce,
    type,
  } as never)
  const prepared = request as unknown as TransactionSerializable & { maxFeePerGas?: bigint; gasPrice?: bigint }
  return {
    request: prepared,
    feeMode,
    gas,
    gasLimit,
    maxFeePerGas: prepared.maxFeePerGas ?? prepared.gasPrice ?? 0n,
    nonce,
  }
}

/**
 * Prepares (`prepareTransaction`), signs and broadcasts a transaction; resolves with its hash without waiting for
 * the receipt. For the dev chain and deployment, which need no journal.
 *
 * @example
 * const hash = await sendPreparedTransaction(wallet, { data: encodeDeployData({ abi, bytecode, args }) })
 */
export async function sendPreparedTransaction(
  client: Client<Transport, Chain, Account>,
  tx: TransactionIntent,
): Promise<Hex> {
  const { request } = await prepareTransaction(client, tx)
  const serializedTransaction = await signTransaction(client, request as never)
  return sendRawTransaction(client, { serializedTransaction })
}
