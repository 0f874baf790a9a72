import type { Address, Client, Hex } from 'viem'
import { readContract } from 'viem/actions'
import { settlementAbi } from './contracts.js'

/** One household of the registry, as `gridlet market households` lists it. */
export interface HouseholdRow {
  readonly index: number
  readonly account: Address
  /** bytes32 meter id (zero when removed). */
  readonly meterId: Hex
  readonly registered: boolean
  /** Escrow balance, token units. */
  readonly balance: bigint
  /** Requested withdrawal (0n: none), when it can be executed and when it expires (unix s). */
  readonly withdrawal: { readonly amount: bigint; readonly readyAt: number; readonly expiresAt: number }
}

/**
 * Reads every household index ever handed out (1..householdCount), in chunks of `chunk` households at a time.
 *
 * @example
 * for (const h of await readHouseholdList(client, { settlement })) console.log(h.index, h.account, h.balance)
 */
export async function readHouseholdList(
  client: Client,
  args: { settlement: Address; chunk?: number },
): Promise<HouseholdRow[]> {
  const read = (functionName: string, a: readonly unknown[]) =>
    readContract(client, {
      address: args.settlement,
      abi: settlementAbi,
      functionName,
      args: a,
    } as never) as Promise<unknown>
  const count = Number(await read('householdCount', []))
  const rows: HouseholdRow[] = []
  const chunk = args.chunk ?? 16
  for (let first = 1; first <= count; first += chunk) {
    const indices = Array.from({ length: Math.min(chunk, count - first + 1) }, (_, i) => first + i)
    rows.push(
      ...(await Promise.all(
        indices.map(async (index) => {
          const account = (await read('accountOf', [BigInt(index)])) as Address
          const [meterId, registered, balance, w] = await Promise.all([
            read('meterOf', [account]) as Promise<Hex>,
            read('isRegistered', [account]) as Promise<boolean>,
            read('balanceOf', [account]) as Promise<bigint>,
            read('withdrawalOf', [account]) as Promise<readonly [bigint, bigint, bigint]>,
          ])
          return {
            index,
            account,
            meterId,
            registered,
            balance,
            withdrawal: { amount: w[0], readyAt: Number(w[1]), expiresAt: Number(w[2]) },
          }
        }),
      )),
    )
  }
  return rows
}
