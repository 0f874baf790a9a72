import { type Address, createPublicClient, http } from 'viem'
import { getContractEvents } from 'viem/actions'
import { localChain, settlementAbi } from '../../chain/contracts.js'

/**
 * Accounts registered on the settlement contract, from its `HouseholdRegistered` / `HouseholdRemoved` /
 * `HouseholdKeyRotated` events: the base of the result quorum when the config does not list them.
 *
 * @example
 * const households = await registeredHouseholds(rpcUrl, 31337, settlement)
 */
export async function registeredHouseholds(rpcUrl: string, chainId: number, settlement: Address): Promise<Address[]> {
  const client = createPublicClient({ chain: localChain(chainId, rpcUrl), transport: http(rpcUrl) })
  const [added, removed, rotated] = await Promise.all(
    (['HouseholdRegistered', 'HouseholdRemoved', 'HouseholdKeyRotated'] as const).map((eventName) =>
      getContractEvents(client, { address: settlement, abi: settlementAbi, eventName, fromBlock: 0n }),
    ),
  )
  const accounts = new Set(added!.map((e) => (e.args as { account: Address }).account))
  for (const e of removed!) accounts.delete((e.args as { account: Address }).account)
  for (const e of rotated!) {
    const { oldAccount, newAccount } = e.args as { oldAccount: Address; newAccount: Address }
    accounts.delete(oldAccount)
    accounts.add(newAccount)
  }
  return [...accounts]
}
