import type { Address, Client } from 'viem'
import { readContract } from 'viem/actions'
import { settlementAbi } from './contracts.js'
import type { SettlementTiming } from './deployMarket.js'
import { ChainError, ChainErrorCode } from './errors.js'

/** The market timing the settlement contract was deployed with (its `Timing`). */
export async function readTiming(client: Client, settlement: Address): Promise<SettlementTiming> {
  const read = (
    functionName: 'intervalLength' | 'gateClosure' | 'settleDelay' | 'settlementWindow' | 'withdrawalDelay',
  ) => readContract(client, { address: settlement, abi: settlementAbi, functionName })
  const [intervalLength, gateClosure, settleDelay, settlementWindow, withdrawalDelay] = await Promise.all([
    read('intervalLength'),
    read('gateClosure'),
    read('settleDelay'),
    read('settlementWindow'),
    read('withdrawalDelay'),
  ])
  return {
    intervalLength: Number(intervalLength),
    gateClosure: Number(gateClosure),
    settleDelay: Number(settleDelay),
    settlementWindow: Number(settlementWindow),
    withdrawalDelay: Number(withdrawalDelay),
  }
}

/** The node's market timing, as its config sets it. */
export interface NodeTiming {
  readonly lengthS: number
  readonly gateClosureS: number
}

/**
 * Checks at start that the node's market timing is the contract's: the interval length and the gate closure must
 * be equal (otherwise the node's intervals are not the ones the contract settles, and every batch would wait on
 * `TooEarly` or fail silently). Throws `CHAIN_TIMING_MISMATCH` naming the config field; returns the contract's
 * timing.
 *
 * @example
 * const timing = await checkTiming(client, settlement, { lengthS: 900, gateClosureS: 60 })
 */
export async function checkTiming(client: Client, settlement: Address, node: NodeTiming): Promise<SettlementTiming> {
  const timing = await readTiming(client, settlement)
  const pairs = [
    ['market.intervalS', node.lengthS, timing.intervalLength, 'intervalLength'],
    ['market.gateClosureS', node.gateClosureS, timing.gateClosure, 'gateClosure'],
  ] as const
  for (const [field, mine, theirs, name] of pairs) {
    if (mine !== theirs) {
      throw new ChainError(`the node's ${field} is ${mine} s, the settlement contract's ${name} is ${theirs} s`, {
        code: ChainErrorCode.TimingMismatch,
        field,
        details: `set ${field}: ${theirs} to match the contract at ${settlement}, or point market.contract at a contract deployed with this timing`,
      })
    }
  }
  return timing
}
