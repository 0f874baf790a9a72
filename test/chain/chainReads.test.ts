/**
 * What every node reads from the contract to clear identically, against a real anvil: the escrow snapshot at a
 * reference block and the start-up timing check (the registry changes: src/chain/readRegistryChanges.test.ts).
 */
import { createTestClient, http } from 'viem'
import { describe, expect, it } from 'vitest'
import { checkTiming } from '../../src/chain/checkTiming.js'
import { settlementAbi } from '../../src/chain/contracts.js'
import { ChainError } from '../../src/chain/errors.js'
import { readEscrowSnapshot, referenceBlock } from '../../src/chain/readEscrowSnapshot.js'
import { useDevChain } from '../support/writeSettlement.js'

const timing = { intervalLength: 900, gateClosure: 60 }
const chain = useDevChain(3)
const write = chain.write

describe('escrow snapshot', () => {
  it('reads availableOf at the latest block at or before the reference time, once a later block exists', async () => {
    const test = createTestClient({ mode: 'anvil', transport: http(chain.dev.rpcUrl) })
    const h = chain.dev.households[2]!
    const t0 = (await chain.pub.getBlock()).timestamp
    const atS = t0 + 100n
    expect(await referenceBlock(chain.pub, atS)).toBeUndefined() // no block after the reference time yet: not final
    await test.setNextBlockTimestamp({ timestamp: atS - 10n })
    await write(h.privateKey, 'requestWithdrawal', [1000n]) // before the reference: reserved in the snapshot
    const reserved = (await chain.pub.getBlock()).number
    await test.setNextBlockTimestamp({ timestamp: atS + 1n })
    await write(h.privateKey, 'requestWithdrawal', [0n]) // after it: not in the snapshot
    const snap = (await readEscrowSnapshot(chain.pub, {
      settlement: chain.dev.settlement,
      accounts: [h.address],
      atS,
      settledRange: { from: 0n, to: 300n },
    }))!
    expect(snap.blockNumber).toBe(reserved)
    const balance = await chain.pub.readContract({
      address: chain.dev.settlement,
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
    await expect(
      checkTiming(chain.pub, chain.dev.settlement, { lengthS: 900, gateClosureS: 60 }),
    ).resolves.toMatchObject(timing)
    const err = await checkTiming(chain.pub, chain.dev.settlement, { lengthS: 60, gateClosureS: 60 }).catch((e) => e)
    expect(err).toBeInstanceOf(ChainError)
    expect(err).toMatchObject({ code: 'CHAIN_TIMING_MISMATCH', field: 'market.intervalS' })
    const gate = await checkTiming(chain.pub, chain.dev.settlement, { lengthS: 900, gateClosureS: 40 }).catch((e) => e)
    expect(gate).toMatchObject({ code: 'CHAIN_TIMING_MISMATCH', field: 'market.gateClosureS' })
  })
})
