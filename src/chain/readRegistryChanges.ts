import { type Address, type Client, getAddress } from 'viem'
import { getBlock, getContractEvents } from 'viem/actions'
import { settlementAbi } from './contracts.js'
import { ChainError, ChainErrorCode } from './errors.js'
import type { RegistryChange } from './registryAt.js'

const EVENTS = ['HouseholdRegistered', 'HouseholdRemoved', 'HouseholdKeyRotated'] as const

/**
 * The registry changes (`HouseholdRegistered`, `HouseholdRemoved`, `HouseholdKeyRotated`) of the settlement
 * contract in blocks `fromBlock`..`toBlock`, each with its block's timestamp, in chain order. Every event is
 * validated (an RPC answer crosses a trust boundary): a log without its block, index or addresses is refused.
 *
 * @example
 * const changes = await readRegistryChanges(client, { settlement, fromBlock: 0n, toBlock: head.number })
 */
export async function readRegistryChanges(
  client: Client,
  args: { settlement: Address; fromBlock: bigint; toBlock: bigint },
): Promise<RegistryChange[]> {
  const { settlement, fromBlock, toBlock } = args
  if (toBlock < fromBlock) return []
  const logs = (
    await Promise.all(
      EVENTS.map((eventName) =>
        getContractEvents(client, { address: settlement, abi: settlementAbi, eventName, fromBlock, toBlock }),
      ),
    )
  ).flat()
  const times = new Map<bigint, bigint>()
  const changes: RegistryChange[] = []
  for (const log of logs) {
    if (log.blockNumber === null || log.logIndex === null) throw invalid('registry event without block or index')
    let timestampS = times.get(log.blockNumber)
    if (timestampS === undefined) {
      timestampS = (await getBlock(client, { blockNumber: log.blockNumber })).timestamp
      times.set(log.blockNumber, timestampS)
    }
    const at = { blockNumber: log.blockNumber, logIndex: log.logIndex, timestampS }
    const a = log.args as { account?: string; oldAccount?: string; newAccount?: string }
    if (log.eventName === 'HouseholdKeyRotated') {
      changes.push({ ...at, kind: 'rotate', oldAccount: address(a.oldAccount), newAccount: address(a.newAccount) })
    } else {
      changes.push({
        ...at,
        kind: log.eventName === 'HouseholdRegistered' ? 'register' : 'remove',
        account: address(a.account),
      })
    }
  }
  return changes.sort((x, y) =>
    x.blockNumber === y.blockNumber ? x.logIndex - y.logIndex : x.blockNumber < y.blockNumber ? -1 : 1,
  )
}

function address(value: string | undefined): Address {
  if (value === undefined || !/^0x[0-9a-fA-F]{40}$/.test(value))
    throw invalid(`bad account in a registry event: ${value}`)
  return getAddress(value)
}

function invalid(message: string): ChainError {
  return new ChainError(message, { code: ChainErrorCode.Invalid, field: 'registry event' })
}
