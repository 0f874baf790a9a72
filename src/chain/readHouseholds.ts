import { type Address, type Client, getAddress } from 'viem'
import { multicall, readContract } from 'viem/actions'
import { settlementAbi } from './contracts.js'

/**
 * Reads the household index (`indexOf`) of each account; accounts never registered are left out of the map.
 * Indices never change once handed out, so callers may cache the result.
 *
 * @example
 * const households = await readHouseholds(client, { settlement, accounts: orders.map((o) => o.order.account) })
 */
export async function readHouseholds(
  client: Client,
  args: { settlement: Address; accounts: readonly Address[] },
): Promise<Map<Address, number>> {
  const accounts = [...new Set(args.accounts.map((a) => getAddress(a)))]
  const call = (account: Address) =>
    ({ address: args.settlement, abi: settlementAbi, functionName: 'indexOf', args: [account] }) as const
  // multicall needs a deployed Multicall3 (absent on a bare anvil): fall back to one call per account.
  const indices = client.chain?.contracts?.multicall3
    ? await multicall(client, { contracts: accounts.map(call), allowFailure: false })
    : await Promise.all(accounts.map((a) => readContract(client, call(a))))
  const map = new Map<Address, number>()
  accounts.forEach((a, i) => {
    const index = indices[i]!
    if (index > 0n) map.set(a, Number(index))
  })
  return map
}
