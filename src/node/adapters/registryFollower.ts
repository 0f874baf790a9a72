import type { Logger } from 'pino'
import { Counter, Gauge, type Registry } from 'prom-client'
import { type Address, BlockNotFoundError, type Hex, type PublicClient } from 'viem'
import { getBlock, getBlockNumber } from 'viem/actions'
import { ChainError, ChainErrorCode } from '../../chain/errors.js'
import { readRegistryChanges } from '../../chain/readRegistryChanges.js'
import type { RegistryChange } from '../../chain/registryAt.js'

export interface RegistryFollowerInit {
  readonly client: PublicClient
  readonly settlement: Address
  /** Blocks an event must lie under before it is applied (`chain.registryConfirmations`). */
  readonly confirmations: number
  readonly logger?: Logger | undefined
  readonly metrics?: Registry | undefined
}

/** The deepest block the follower has read: the head less the confirmation depth, at its last read. */
export interface ConfirmedBlock {
  readonly number: bigint
  readonly hash: Hex
  readonly timestampS: bigint
}

/** The registry changes of the contract, applied only once they are `confirmations` blocks deep. */
export interface RegistryFollower {
  /** The confirmed changes in chain order (the node's `registryAt` input). */
  readonly changes: readonly RegistryChange[]
  confirmed(): ConfirmedBlock | undefined
  /** Reads the changes of the blocks confirmed since the last call (after a deeper reorg: all of them again). */
  follow(): Promise<void>
  /**
   * Start-up check: a change must reach the node before the book it applies to closes, one interval or more after
   * the event (docs/protocol.md, "Registry"). Throws `CHAIN_INVALID` naming `chain.registryConfirmations` (or
   * `chain.pollS`) when confirmations × block time + pollS is not below the interval length.
   */
  checkDepth(t: { readonly pollS: number; readonly intervalS: number }): Promise<void>
}

/** Blocks over which the start-up check averages the block time. */
const BLOCK_TIME_WINDOW = 32n

/**
 * Follows the household registry at a confirmation depth: each read covers the blocks up to head − confirmations,
 * so a change in a block a reorg of at most that depth drops is never applied. A reorg deeper than that (the hash
 * of the last confirmed block changed) is logged, counted (`gridlet_registry_reorgs_total`) and answered by reading
 * the whole registry again from the chain as it now is.
 *
 * @example
 * const follower = registryFollower({ client, settlement, confirmations: 2 })
 * await follower.follow()
 * registryAt(follower.changes, k, timing)
 */
export function registryFollower(init: RegistryFollowerInit): RegistryFollower {
  const { client, settlement, confirmations, logger } = init
  const registers = init.metrics ? [init.metrics] : []
  const reorgs = new Counter({
    name: 'gridlet_registry_reorgs_total',
    help: 'Reorgs deeper than chain.registryConfirmations that replaced a block of the followed registry',
    registers,
  })
  const confirmedGauge = new Gauge({
    name: 'gridlet_registry_confirmed_block',
    help: 'The deepest block whose registry events the node has applied (head less the confirmation depth)',
    registers,
  })
  const changes: RegistryChange[] = []
  let confirmed: ConfirmedBlock | undefined

  // A confirmed block that is gone (the chain is now shorter) was reorged away too.
  const reorged = async (c: ConfirmedBlock) => {
    try {
      return (await getBlock(client, { blockNumber: c.number })).hash !== c.hash
    } catch (err) {
      if (err instanceof BlockNotFoundError) return true
      throw err
    }
  }

  return {
    changes,
    confirmed: () => confirmed,
    async follow() {
      if (confirmed && (await reorged(confirmed))) {
        reorgs.inc()
        logger?.error(
          { block: Number(confirmed.number), confirmations },
          'a reorg replaced a confirmed block: reading the registry again (raise chain.registryConfirmations)',
        )
        changes.length = 0
        confirmed = undefined
      }
      const target = (await getBlockNumber(client, { cacheTime: 0 })) - BigInt(confirmations)
      if (target < 0n || (confirmed && target <= confirmed.number)) return
      const block = await getBlock(client, { blockNumber: target })
      const fromBlock = confirmed ? confirmed.number + 1n : 0n
      changes.push(...(await readRegistryChanges(client, { settlement, fromBlock, toBlock: target })))
      confirmed = { number: target, hash: block.hash, timestampS: block.timestamp }
      confirmedGauge.set(Number(target))
    },
    async checkDepth({ pollS, intervalS }) {
      const head = await getBlock(client, { blockTag: 'latest' })
      const n = head.number < BLOCK_TIME_WINDOW ? head.number : BLOCK_TIME_WINDOW
      const blockTimeS =
        confirmations === 0 || n === 0n
          ? 0
          : Number(head.timestamp - (await getBlock(client, { blockNumber: head.number - n })).timestamp) / Number(n)
      const delayS = confirmations * blockTimeS + pollS
      if (delayS < intervalS) return
      const field = confirmations > 0 ? 'chain.registryConfirmations' : 'chain.pollS'
      throw new ChainError(`registry changes would reach the node too late for the interval they apply to`, {
        code: ChainErrorCode.Invalid,
        field,
        details:
          `chain.registryConfirmations ${confirmations} x block time ${blockTimeS.toFixed(1)} s (last ${n} blocks) + chain.pollS ${pollS} s = ` +
          `${delayS.toFixed(1)} s, not below market.intervalS ${intervalS} s: lower ${field}`,
      })
    },
  }
}
