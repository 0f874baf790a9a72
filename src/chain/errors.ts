import { GridletError } from '../core/errors.js'

/** Stable codes of chain adapter errors (metric labels, test assertions). */
export const ChainErrorCode = {
  /** The anvil binary could not be found or started, or never answered. */
  AnvilStart: 'CHAIN_ANVIL_START',
  /** A batch cannot be encoded (e.g. a trade names an order that is not in the batch). */
  BatchEncoding: 'CHAIN_BATCH_ENCODING',
  /** The settlement contract reverted; `details` names the decoded custom error. */
  Reverted: 'CHAIN_REVERTED',
  /** The RPC endpoint did not answer or answered garbage. */
  Rpc: 'CHAIN_RPC',
  /** A config file or RPC answer failed validation. */
  Invalid: 'CHAIN_INVALID',
  /** The chain outbox in the node's database was written by a newer gridlet. */
  Schema: 'CHAIN_SCHEMA',
  /** A dev key could not be derived from the mnemonic. */
  DevKey: 'CHAIN_DEV_KEY',
  /** The node's market timing differs from the settlement contract's `Timing`. */
  TimingMismatch: 'CHAIN_TIMING_MISMATCH',
  /** The node's grid fee recipient differs from the settlement contract's `feeRecipient` (or one has none). */
  FeeMismatch: 'CHAIN_FEE_MISMATCH',
  /** No free TCP port could be obtained from the OS. */
  Port: 'CHAIN_PORT',
  /** The RPC endpoint answers for another chain than the market file or config names. */
  WrongChain: 'CHAIN_WRONG_CHAIN',
  /** The RPC endpoint did not answer (down, refused, timed out): a command may be retried as it is. */
  RpcDown: 'CHAIN_RPC_DOWN',
  /** The account cannot pay for gas (or the value) of the transaction. */
  InsufficientFunds: 'CHAIN_INSUFFICIENT_FUNDS',
  /** The nonce was taken by another transaction of the same account. */
  NonceTooLow: 'CHAIN_NONCE_TOO_LOW',
  /** The code at the contract address is not the gridlet settlement contract with the market file's parameters. */
  CodeMismatch: 'CHAIN_CODE_MISMATCH',
  /** The account lacks the operator role. */
  NotOperator: 'CHAIN_NOT_OPERATOR',
  /** A market file, CSV, amount or journal a command reads failed validation; `field` names it. */
  InvalidInput: 'CHAIN_INVALID_INPUT',
  /** The person declined the confirmation prompt. */
  Declined: 'CHAIN_DECLINED',
  /** No receipt within the wait: the transaction may still be mined (the journal re-checks it on retry). */
  ReceiptTimeout: 'CHAIN_RECEIPT_TIMEOUT',
  /** The state on chain forbids the action (e.g. meter in use, withdrawal not ready), checked before sending. */
  Refused: 'CHAIN_REFUSED',
} as const
export type ChainErrorCode = (typeof ChainErrorCode)[keyof typeof ChainErrorCode]

/**
 * The error of the chain adapter and of the market and escrow commands: a sentence for people (`shortMessage`),
 * what to do about it (`details`), the viem error as `cause`, a stable `code`, and `revert`, the decoded contract
 * error when the chain rejected a call.
 *
 * @example
 * throw new ChainError('the RPC answers for chain 1, the market file names 31337', { code: ChainErrorCode.WrongChain })
 */
export class ChainError extends GridletError {
  override name = 'ChainError'
  /** Decoded custom error of the settlement contract, e.g. `{ name: 'InvalidSignature', args: [3n] }`. */
  readonly revert: { name: string; args: readonly unknown[] } | undefined

  constructor(
    shortMessage: string,
    opts: {
      code: ChainErrorCode
      field?: string
      details?: string
      cause?: unknown
      revert?: { name: string; args: readonly unknown[] }
    },
  ) {
    super(shortMessage, opts)
    this.revert = opts.revert
  }
}
