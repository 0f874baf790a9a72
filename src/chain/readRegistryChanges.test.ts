/**
 * The registry changes of the settlement contract against a real anvil: each mapped to the contract's boundary
 * interval, read in parts as the node follows the chain, and read as the chain is after a reorg (`anvil_reorg`).
 */
import { createTestClient, http, keccak256, stringToHex } from 'viem'
import { describe, expect, it } from 'vitest'
import { useDevChain } from '../../test/support/writeSettlement.js'
import { settlementAbi } from './contracts.js'
import { devKeys } from './devAccounts.js'
import { readRegistryChanges } from './readRegistryChanges.js'
import { registryAt, registryBoundary } from './registryAt.js'

const timing = { intervalLength: 900, gateClosure: 60 }
const chain = useDevChain(3)
const write = chain.write

describe('registry changes', () => {
  it('maps each change to the contract boundary; a removal and a rotation apply from it, not before', async () => {
    const [a, b] = chain.dev.households
    const fresh = devKeys(30)[29]!
    // Three intervals after the registrations, so their boundary lies before the removal's.
    const test = createTestClient({ mode: 'anvil', transport: http(chain.dev.rpcUrl) })
    await test.setNextBlockTimestamp({ timestamp: (await chain.pub.getBlock()).timestamp + 3n * 900n })
    await write(chain.dev.operator.privateKey, 'remove', [a!.address])
    await write(chain.dev.operator.privateKey, 'rotateKey', [b!.address, fresh.address])
    const head = await chain.pub.getBlockNumber()
    const changes = await readRegistryChanges(chain.pub, {
      settlement: chain.dev.settlement,
      fromBlock: 0n,
      toBlock: head,
    })
    expect(changes.map((c) => c.kind)).toEqual(['register', 'register', 'register', 'remove', 'rotate'])
    const removal = changes[3]!
    const boundary = registryBoundary(removal.timestampS, timing)
    expect(
      await chain.pub.readContract({
        address: chain.dev.settlement,
        abi: settlementAbi,
        functionName: 'activeUntil',
        args: [a!.address],
      }),
    ).toBe(boundary)
    const before = registryAt(changes, boundary - 1n, timing)
    const after = registryAt(changes, boundary + 5n, timing)
    expect(before.has(a!.address)).toBe(true)
    expect(after.has(a!.address)).toBe(false)
    expect(after.has(fresh.address)).toBe(true)
    expect(after.has(b!.address)).toBe(false)
    expect(after.size).toBe(2)
    // Reading in two parts gives the same changes (the node follows the chain block by block).
    const split = [
      ...(await readRegistryChanges(chain.pub, {
        settlement: chain.dev.settlement,
        fromBlock: 0n,
        toBlock: removal.blockNumber,
      })),
      ...(await readRegistryChanges(chain.pub, {
        settlement: chain.dev.settlement,
        fromBlock: removal.blockNumber + 1n,
        toBlock: head,
      })),
    ]
    expect(split).toEqual(changes)
    await write(chain.dev.operator.privateKey, 'rotateKey', [fresh.address, b!.address])
    await write(chain.dev.operator.privateKey, 'register', [a!.address, a!.meterId])
  })

  it('reads the chain as it is after a reorg: a registration whose block was replaced is gone', async () => {
    const test = createTestClient({ mode: 'anvil', transport: http(chain.dev.rpcUrl) })
    const account = devKeys(31)[30]!.address
    const receipt = await write(chain.dev.operator.privateKey, 'register', [account, keccak256(stringToHex('reorged'))])
    const read = () =>
      readRegistryChanges(chain.pub, {
        settlement: chain.dev.settlement,
        fromBlock: receipt.blockNumber,
        toBlock: receipt.blockNumber,
      })
    expect((await read()).map((c) => c.kind === 'register' && c.account)).toEqual([account])
    // anvil 1.7.1: replace the last block by an empty one (the node's follower stays below such depths).
    await test.request({ method: 'anvil_reorg', params: [1, []] } as never)
    const replaced = await chain.pub.getBlock({ blockNumber: receipt.blockNumber })
    expect(replaced.hash).not.toBe(receipt.blockHash)
    expect(await read()).toEqual([])
  })
})
