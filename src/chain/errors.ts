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
  /** No free TCP port could be obtained from the OS. */
  Port: 'CHAIN_PORT',
} as const
export type ChainErrorCode = (typeof ChainErrorCode)[keyof typeof ChainErrorCode]

/** An error of the chain adapter; `revert` carries the decoded contract error when the chain rejected a call. */
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
