/**
 * Moves a test chain's time past the registry boundary of the latest registry change, so that the intervals a test
 * settles `back` intervals behind the chain's time have the registry as it is now: nodes clear an interval with the
 * households registered for it, and the contract counts its quorum and membership the same way.
 */
import { type Address, createPublicClient, createTestClient, http } from 'viem'
import { settlementAbi } from '../../src/chain/contracts.js'
import { readRegistryChanges } from '../../src/chain/readRegistryChanges.js'

/**
 * Mines a block at (boundary + back) · intervalLength, with boundary the `registryBoundary` of the latest registry
 * event, unless the chain is past it already (a pending `evm_increaseTime` counts: a block is mined first). Returns
 * the latest block time.
 *
 * @example
 * const now = await pastRegistry(dev.rpcUrl, dev.settlement)
 * const interval = now / 900n - 300n // the registered households count for it
 */
export async function pastRegistry(rpcUrl: string, settlement: Address, back = 300n): Promise<bigint> {
  const pub = createPublicClient({ transport: http(rpcUrl) })
  const anvil = createTestClient({ mode: 'anvil', transport: http(rpcUrl) })
  const latest = () => pub.getBlock({ blockTag: 'latest' })
  const head = await latest()
  const changes = await readRegistryChanges(pub, { settlement, fromBlock: 0n, toBlock: head.number })
  const last = changes.at(-1)
  if (!last) return head.timestamp
  const read = (functionName: 'intervalLength' | 'registryBoundary', args?: readonly [bigint]) =>
    pub.readContract({ address: settlement, abi: settlementAbi, functionName, args } as never) as Promise<
      number | bigint
    >
  const [length, boundary] = await Promise.all([read('intervalLength'), read('registryBoundary', [last.timestampS])])
  const target = (BigInt(boundary) + back) * BigInt(length)
  if (head.timestamp >= target) return head.timestamp
  await anvil.mine({ blocks: 1 })
  const now = (await latest()).timestamp
  if (now >= target) return now
  await anvil.setNextBlockTimestamp({ timestamp: target })
  await anvil.mine({ blocks: 1 })
  return target
}
