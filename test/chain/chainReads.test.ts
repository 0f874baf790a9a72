/**
 * What every node reads from the contract to clear identically, against a real anvil: the registry changes mapped
 * to their boundary interval, the escrow snapshot at a reference block, and the start-up timing check.
 */
import { createPublicClient, createTestClient, createWalletClient, http, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkTiming } from '../../src/chain/checkTiming.js'
import { localChain, settlementAbi } from '../../src/chain/contracts.js'
import { devKeys } from '../../src/chain/devAccounts.js'
import { type DevChain, startDevChain } from '../../src/chain/devChain.js'
import { ChainError } from '../../src/chain/errors.js'
import { readEscrowSnapshot, referenceBlock } from '../../src/chain/readEscrowSnapshot.js'
import { readRegistryChanges } from '../../src/chain/readRegistryChanges.js'
import { registryAt, registryBoundary } from '../../src/chain/registryAt.js'

let dev: DevChain
let pub: PublicClient
const timing = { intervalLength: 900, gateClosure: 60 }
beforeAll(async () => {
  dev = await startDevChain({ households: 3 })
  pub = createPublicClient({ chain: localChain(dev.chainId, dev.rpcUrl), transport: http(dev.rpcUrl) }) as PublicClient
})
afterAll(async () => dev?.stop())

const wallet = (key: `0x${string}`) =>
  createWalletClient({
    account: privateKeyToAccount(key),
    chain: localChain(dev.chainId, dev.rpcUrl),
    transport: http(dev.rpcUrl),
  })
const write = async (key: `0x${string}`, functionName: string, args: readonly unknown[]) => {
  const hash = await wallet(key).writeContract({
    address: dev.settlement,
    abi: settlementAbi,
    functionName,
    args,
  } as never)
  return pub.waitForTransactionReceipt({ hash })
}

describe('registry changes', () => {
  it('maps each change to the contract boundary; a removal and a rotation apply from it, not before', async () => {
    const [a, b] = dev.households
    const fresh = devKeys(30)[29]!
    // Three intervals after the registrations, so their boundary lies before the removal's.
    const test = createTestClient({ mode: 'anvil', transport: http(dev.rpcUrl) })
    await test.setNextBlockTimestamp({ timestamp: (await pub.getBlock()).timestamp + 3n * 900n })
    await write(dev.operator.privateKey, 'remove', [a!.address])
    await write(dev.operator.privateKey, 'rotateKey', [b!.address, fresh.address])
    const head = await pub.getBlockNumber()
    const changes = await readRegistryChanges(pub, { settlement: dev.settlement, fromBlock: 0n, toBlock: head })
    expect(changes.map((c) => c.kind)).toEqual(['register', 'register', 'register', 'remove', 'rotate'])
    const removal = changes[3]!
    const boundary = registryBoundary(removal.timestampS, timing)
    expect(
      await pub.readContract({
        address: dev.settlement,
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
      ...(await readRegistryChanges(pub, { settlement: dev.settlement, fromBlock: 0n, toBlock: removal.blockNumber })),
      ...(await readRegistryChanges(pub, {
        settlement: dev.settlement,
        fromBlock: removal.blockNumber + 1n,
        toBlock: head,
      })),
    ]
    expect(split).toEqual(changes)
    await write(dev.operator.privateKey, 'rotateKey', [fresh.address, b!.address])
    await write(dev.operator.privateKey, 'register', [a!.address, a!.meterId])
  })
})

describe('escrow snapshot', () => {
  it('reads availableOf at the latest block at or before the reference time, once a later block exists', async () => {
    const test = createTestClient({ mode: 'anvil', transport: http(dev.rpcUrl) })
    const h = dev.households[2]!
    const t0 = (await pub.getBlock()).timestamp
    const atS = t0 + 100n
    expect(await referenceBlock(pub, atS)).toBeUndefined() // no block after the reference time yet: not final
    await test.setNextBlockTimestamp({ timestamp: atS - 10n })
    await write(h.privateKey, 'requestWithdrawal', [1000n]) // before the reference: reserved in the snapshot
    const reserved = (await pub.getBlock()).number
    await test.setNextBlockTimestamp({ timestamp: atS + 1n })
    await write(h.privateKey, 'requestWithdrawal', [0n]) // after it: not in the snapshot
    const snap = (await readEscrowSnapshot(pub, {
      settlement: dev.settlement,
      accounts: [h.address],
      atS,
      settledRange: { from: 0n, to: 300n },
    }))!
    expect(snap.blockNumber).toBe(reserved)
    const balance = await pub.readContract({
      address: dev.settlement,
      abi: settlementAbi,
      functionName: 'balanceOf',
      args: [h.address],
    })
    expect(snap.available.get(h.address)).toBe(balance - 1000n)
    expect(snap.settled.size).toBe(0)
  })
})

describe('timing check at start', () => {
  it('passes with the contract timing and names the field of a mismatch', async () => {
    await expect(checkTiming(pub, dev.settlement, { lengthS: 900, gateClosureS: 60 })).resolves.toMatchObject(timing)
    const err = await checkTiming(pub, dev.settlement, { lengthS: 60, gateClosureS: 60 }).catch((e) => e)
    expect(err).toBeInstanceOf(ChainError)
    expect(err).toMatchObject({ code: 'CHAIN_TIMING_MISMATCH', field: 'market.intervalS' })
    const gate = await checkTiming(pub, dev.settlement, { lengthS: 900, gateClosureS: 40 }).catch((e) => e)
    expect(gate).toMatchObject({ code: 'CHAIN_TIMING_MISMATCH', field: 'market.gateClosureS' })
  })
})
