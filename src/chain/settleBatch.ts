import {
  type Account,
  type Address,
  BaseError,
  type Chain,
  type Client,
  ContractFunctionRevertedError,
  encodeFunctionData,
  type Hash,
  type Transport,
} from 'viem'
import { createAccessList, writeContract } from 'viem/actions'
import { settlementAbi } from './contracts.js'
import type { SettlementBatch } from './encodeSettlement.js'
import { ChainError, ChainErrorCode } from './errors.js'

export interface SettleBatchArgs {
  settlement: Address
  batch: SettlementBatch
  /** Explicit nonce (the batcher passes one to replace a stuck transaction). */
  nonce?: number
  gas?: bigint
  /**
   * Send an EIP-2930 access list (from `eth_createAccessList`) with the transaction: each household slot then costs
   * 1,900 + 100 instead of a 2,100 cold read (default true).
   */
  accessList?: boolean
}

/**
 * Sends `settle` (`settleWithFees` for a fee batch) for one interval and returns the transaction hash (it does not wait for the receipt).
 * A revert found while estimating gas throws a ChainError with the decoded custom error in `revert`.
 *
 * @example
 * const hash = await settleBatch(wallet, { settlement, batch: encodeSettlement(interval, orders, trades, households, agreement) })
 */
export async function settleBatch(client: Client<Transport, Chain, Account>, args: SettleBatchArgs): Promise<Hash> {
  const { batch } = args
  const call = {
    address: args.settlement,
    abi: settlementAbi,
    functionName: settleFunctionOf(batch),
    args: settleArgs(batch),
  } as const
  try {
    const accessList =
      args.accessList === false || args.gas !== undefined
        ? undefined
        : // A call that reverts gets no access list; the gas estimate below then throws the decoded error.
          await createAccessList(client, { to: args.settlement, data: encodeFunctionData(call) }).then(
            (r) => r.accessList,
            () => undefined,
          )
    return await writeContract(client, {
      ...call,
      ...(accessList ? { accessList } : {}),
      ...(args.nonce === undefined ? {} : { nonce: args.nonce }),
      ...(args.gas === undefined ? {} : { gas: args.gas }),
    })
  } catch (err) {
    throw toChainError(err)
  }
}

/** The contract function a batch is for: `settleWithFees` for a fee market's batch, else `settle`. */
export function settleFunctionOf(batch: Pick<SettlementBatch, 'feeRecipient'>): 'settle' | 'settleWithFees' {
  return batch.feeRecipient === undefined ? 'settle' : 'settleWithFees'
}

/** The arguments of `settle` (and `settleWithFees`) for a batch, in ABI order. */
export function settleArgs(batch: SettlementBatch) {
  return [
    batch.interval,
    batch.trades,
    batch.orders,
    batch.signatures,
    batch.totalAmount,
    batch.rule,
    batch.clearingPrice,
    batch.attestations,
  ] as const
}

/** The decoded custom error of a settlement revert inside a viem error, if there is one. */
export function decodeRevert(err: unknown): { name: string; args: readonly unknown[] } | undefined {
  if (!(err instanceof BaseError)) return undefined
  const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError)
  if (!(reverted instanceof ContractFunctionRevertedError) || !reverted.data) return undefined
  return { name: reverted.data.errorName, args: reverted.data.args ?? [] }
}

/** Wraps a viem error: a decoded revert becomes CHAIN_REVERTED, anything else CHAIN_RPC. */
export function toChainError(err: unknown): ChainError {
  if (err instanceof ChainError) return err
  const revert = decodeRevert(err)
  if (revert) {
    const details = `${revert.name}(${revert.args.map(String).join(', ')})`
    return new ChainError(`settlement reverted: ${details}`, {
      code: ChainErrorCode.Reverted,
      details,
      revert,
      cause: err,
    })
  }
  const message = err instanceof BaseError ? err.shortMessage : String(err)
  return new ChainError(`chain call failed: ${message}`, { code: ChainErrorCode.Rpc, cause: err })
}
