import { type Address, type Client, getAddress, zeroAddress } from 'viem'
import { readContract } from 'viem/actions'
import { settlementAbi } from './contracts.js'
import { ChainError, ChainErrorCode } from './errors.js'

/** The node's grid fees, as its config sets them (`market.grid`); undefined for a plain market. */
export interface NodeFees {
  readonly feeRecipient: Address
  /** Fee per Wh by level [same feeder, same transformer, upstream], non-decreasing. */
  readonly feePerWh: readonly bigint[]
}

/**
 * Checks at start that the node's grid fees fit the settlement contract: the config's `market.grid.feeRecipient`
 * must be the contract's `feeRecipient` (a plain market, address 0, for a node without `market.grid`), otherwise
 * every result the node agrees on has a root the contract cannot recompute (another recipient, or v2 against v1);
 * and no fee per Wh of `market.grid.fees` may exceed the contract's `maxFeePerWh` (every such trade would revert
 * `FeeAboveMax`). Throws `CHAIN_FEE_MISMATCH` naming the field; returns the contract's recipient (undefined:
 * plain).
 *
 * @example
 * await checkFees(client, settlement, config.market.grid)
 */
export async function checkFees(
  client: Client,
  settlement: Address,
  node: NodeFees | undefined,
): Promise<Address | undefined> {
  const common = { address: settlement, abi: settlementAbi } as const
  const [recipient, max] = await Promise.all([
    readContract(client, { ...common, functionName: 'feeRecipient' }),
    readContract(client, { ...common, functionName: 'maxFeePerWh' }),
  ])
  const theirs = recipient === zeroAddress ? undefined : getAddress(recipient)
  const mine = node && getAddress(node.feeRecipient)
  if (mine !== theirs) {
    throw mismatch(
      'market.grid.feeRecipient',
      `the node's market.grid.feeRecipient is ${mine ?? 'not set'}, the settlement contract's fee recipient is ${theirs ?? 'none (a plain market)'}`,
      theirs
        ? `set market.grid.feeRecipient: "${theirs}" to match the contract at ${settlement}, or point market.contract at a contract deployed with this recipient`
        : `the contract at ${settlement} settles no fees: remove market.grid, or deploy a fee market for it`,
    )
  }
  const above = node?.feePerWh.findIndex((f) => f > max) ?? -1
  if (above >= 0) {
    throw mismatch(
      `market.grid.fees[${above}]`,
      `the node's fee per Wh ${node!.feePerWh[above]} at level ${above} is above the contract's maxFeePerWh ${max}`,
      `lower market.grid.fees to at most ${max}, or deploy a market with a higher maximum fee`,
    )
  }
  return theirs
}

function mismatch(field: string, message: string, details: string): ChainError {
  return new ChainError(message, { code: ChainErrorCode.FeeMismatch, field, details })
}
