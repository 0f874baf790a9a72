import { type Address, type Client, erc20Abi } from 'viem'
import { getBalance, getBlock, readContract } from 'viem/actions'
import { settlementAbi } from './contracts.js'

/** A household's escrow as `gridlet escrow status` shows it (token units, unix seconds). */
export interface EscrowState {
  readonly account: Address
  readonly registered: boolean
  /** Household index (0: never registered). */
  readonly index: number
  readonly balance: bigint
  /** What new buy orders may count on: balance minus what an unexpired withdrawal request reserves. */
  readonly available: bigint
  readonly reserved: bigint
  readonly withdrawal: { readonly amount: bigint; readonly readyAt: number; readonly expiresAt: number }
  /** 'none', 'waiting' (before readyAt), 'ready', 'expired', judged at the latest block's time. */
  readonly withdrawalState: 'none' | 'waiting' | 'ready' | 'expired'
  /** Latest block time (unix s): the clock the contract judges by. */
  readonly chainTime: number
  /** The account's own token balance (outside escrow) and the escrow's allowance. */
  readonly wallet: bigint
  readonly allowance: bigint
  /** Native balance for gas, wei. */
  readonly gasBalance: bigint
}

/**
 * Reads a household's escrow: balance, reserved and available amounts, the pending withdrawal and whether it can
 * be executed now (by the chain's clock), and the token balance and allowance outside the escrow.
 *
 * @example
 * const s = await readEscrow(client, { settlement, token, account })
 */
export async function readEscrow(
  client: Client,
  args: { settlement: Address; token: Address; account: Address },
): Promise<EscrowState> {
  const s = (functionName: string, a: readonly unknown[] = [args.account]) =>
    readContract(client, {
      address: args.settlement,
      abi: settlementAbi,
      functionName,
      args: a,
    } as never) as Promise<unknown>
  const t = (functionName: 'balanceOf' | 'allowance', a: readonly Address[]) =>
    readContract(client, { address: args.token, abi: erc20Abi, functionName, args: a } as never) as Promise<bigint>
  const [registered, index, balance, available, w, wallet, allowance, gasBalance, block] = await Promise.all([
    s('isRegistered') as Promise<boolean>,
    s('indexOf') as Promise<bigint>,
    s('balanceOf') as Promise<bigint>,
    s('availableOf') as Promise<bigint>,
    s('withdrawalOf') as Promise<readonly [bigint, bigint, bigint]>,
    t('balanceOf', [args.account]),
    t('allowance', [args.account, args.settlement]),
    getBalance(client, { address: args.account }),
    getBlock(client, { blockTag: 'latest' }),
  ])
  const chainTime = Number(block.timestamp)
  const withdrawal = { amount: w[0], readyAt: Number(w[1]), expiresAt: Number(w[2]) }
  const withdrawalState =
    withdrawal.amount === 0n
      ? 'none'
      : chainTime > withdrawal.expiresAt
        ? 'expired'
        : chainTime < withdrawal.readyAt
          ? 'waiting'
          : 'ready'
  return {
    account: args.account,
    registered,
    index: Number(index),
    balance,
    available,
    reserved: balance - available,
    withdrawal,
    withdrawalState,
    chainTime,
    wallet,
    allowance,
    gasBalance,
  }
}
