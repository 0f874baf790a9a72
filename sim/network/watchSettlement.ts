import { createPublicClient, http } from 'viem'
import { getContractEvents, getTransactionReceipt, readContract } from 'viem/actions'
import { localChain, settlementAbi } from '../../src/chain/contracts.js'
import type { DevChain } from '../../src/chain/devChain.js'

/** What the chain holds of a network run's settlement. */
export interface ChainSettlement {
  readonly gasUsed: bigint
  readonly settled: number
  readonly withTrades: number
  readonly failures: string[]
}

/**
 * Waits (up to `timeoutMs` real) until the nodes have settled every interval with trades on chain, then reads what
 * the chain holds: settled intervals and the gas their settlements used.
 *
 * @example
 * const chain = await watchSettlement(dev, [1_500_000n], 20_000)
 */
export async function watchSettlement(
  dev: DevChain,
  intervals: readonly bigint[],
  timeoutMs: number,
): Promise<ChainSettlement> {
  const client = createPublicClient({ chain: localChain(dev.chainId, dev.rpcUrl), transport: http(dev.rpcUrl) })
  const isSettled = (interval: bigint) =>
    readContract(client, { address: dev.settlement, abi: settlementAbi, functionName: 'isSettled', args: [interval] })
  const until = performance.now() + timeoutMs
  let settled: bigint[] = []
  for (;;) {
    const flags = await Promise.all(intervals.map(isSettled))
    settled = intervals.filter((_, i) => flags[i])
    if (settled.length === intervals.length || performance.now() > until) break
    await new Promise((r) => setTimeout(r, 250))
  }
  const events = await getContractEvents(client, {
    address: dev.settlement,
    abi: settlementAbi,
    eventName: 'Settled',
    fromBlock: 0n,
  })
  const receipts = await Promise.all(
    [...new Set(events.map((e) => e.transactionHash))].map((hash) => getTransactionReceipt(client, { hash })),
  )
  const failures = intervals.filter((k) => !settled.includes(k)).map((k) => `${k}: not settled`)
  return {
    gasUsed: receipts.reduce((a, r) => a + r.gasUsed, 0n),
    settled: settled.length,
    withTrades: intervals.length,
    failures,
  }
}
