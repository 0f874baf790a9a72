import { GridletError } from '../core/errors.js'

/** Stable codes of the operator and household commands' errors (one scheme: `CHAIN_*`, see core/errors.ts). */
export const MarketErrorCode = {
  /** The RPC endpoint answers for another chain than the market file or config names. */
  WrongChain: 'CHAIN_WRONG_CHAIN',
  /** The RPC endpoint did not answer (down, refused, timed out). */
  RpcDown: 'CHAIN_RPC_DOWN',
  /** The account cannot pay for gas (or the value) of the transaction. */
  InsufficientFunds: 'CHAIN_INSUFFICIENT_FUNDS',
  /** The nonce was taken by another transaction of the same account. */
  NonceTooLow: 'CHAIN_NONCE_TOO_LOW',
  /** The contract refused the call; `revert` names the decoded custom error, the message says it in words. */
  Reverted: 'CHAIN_REVERTED',
  /** The code at the contract address is not the gridlet settlement contract with the market file's parameters. */
  CodeMismatch: 'CHAIN_CODE_MISMATCH',
  /** The account lacks the operator role. */
  NotOperator: 'CHAIN_NOT_OPERATOR',
  /** A market file, CSV or amount failed validation; `field` names it. */
  Invalid: 'CHAIN_INVALID_INPUT',
  /** The person declined the confirmation prompt. */
  Declined: 'CHAIN_DECLINED',
  /** No receipt within the wait: the transaction may still be mined (the journal re-checks it on retry). */
  ReceiptTimeout: 'CHAIN_RECEIPT_TIMEOUT',
  /** The state on chain forbids the action (e.g. meter in use, withdrawal not ready), checked before sending. */
  Refused: 'CHAIN_REFUSED',
} as const
export type MarketErrorCode = (typeof MarketErrorCode)[keyof typeof MarketErrorCode]

/**
 * The error of the market and escrow commands: a sentence for the person at the terminal (`shortMessage`), what to
 * do about it (`details`), the viem error as `cause`, and a stable `code`.
 *
 * @example
 * throw new MarketError('the RPC answers for chain 1, the market file names 31337', { code: MarketErrorCode.WrongChain })
 */
export class MarketError extends GridletError {
  override name = 'MarketError'
  declare readonly code: MarketErrorCode
  /** The decoded custom error when the contract refused the call, e.g. `{ name: 'MeterInUse', args: ['0x…'] }`. */
  readonly revert: { name: string; args: readonly unknown[] } | undefined

  constructor(
    shortMessage: string,
    opts: {
      code: MarketErrorCode
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
