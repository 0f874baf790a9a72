import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  erc20Abi,
  type Hex,
  HttpRequestError,
  InsufficientFundsError,
  NonceTooLowError,
  TimeoutError,
} from 'viem'
import { settlementAbi, testTokenAbi } from './contracts.js'
import { ChainError, ChainErrorCode } from './errors.js'
import { meterText } from './meterId.js'

/** A decoded contract error: its name and arguments. */
export interface Revert {
  readonly name: string
  readonly args: readonly unknown[]
}

/** The errors a market transaction can revert with: the settlement contract's, OpenZeppelin's ERC-20 errors. */
const ERROR_ABI = [...settlementAbi, ...testTokenAbi, ...erc20Abi].filter((x) => x.type === 'error')

const iso = (s: unknown) => new Date(Number(s) * 1000).toISOString().replace('.000Z', 'Z')

const SENTENCES: Record<string, (a: readonly unknown[]) => string> = {
  AccessControlUnauthorizedAccount: (a) =>
    `account ${a[0]} does not hold the operator role of this market: only the operator registers, removes and rotates households`,
  ZeroAddress: () => 'the account is the zero address',
  ZeroMeterId: () => 'the meter id is empty',
  AlreadyRegistered: (a) => `account ${a[0]} is already registered (with another meter)`,
  MeterInUse: (a) => `meter ${meterText(a[0])} is already registered to another account`,
  NotRegistered: (a) => `account ${a[0]} is not a registered household of this market`,
  UnknownAccount: (a) =>
    `account ${a[0]} was never registered on this market: escrow takes deposits for households only`,
  BalanceOverflow: (a) => `the escrow balance of ${a[0]} would exceed the contract's limit (2^95 - 1 units)`,
  NoWithdrawalRequested: () => 'no withdrawal is requested: run `gridlet escrow withdraw-request AMOUNT` first',
  WithdrawalNotReady: (a) => `the withdrawal is not ready yet: it can be executed from ${iso(a[1])}`,
  WithdrawalExpired: (a) => `the withdrawal request expired at ${iso(a[1])}: request it again`,
  BadTiming: () =>
    'the timing is refused: the withdrawal delay must exceed gate closure + settle delay + settlement window, and the interval length must be positive',
  ERC20InsufficientBalance: (a) => `the token balance of ${a[0]} is ${a[1]} units, the transfer needs ${a[2]}`,
  ERC20InsufficientAllowance: (a) =>
    `the escrow may take ${a[1]} units of ${a[0]}'s tokens, the transfer needs ${a[2]}`,
  SafeERC20FailedOperation: (a) => `the token ${a[0]} refused the transfer`,
  Error: (a) => `reverted: ${a[0]}`,
}

/**
 * A contract error in words, for the terminal: `MeterInUse(0x6d31…)` becomes "meter m1 is already registered to
 * another account". Unknown errors keep their name and arguments.
 *
 * @example
 * describeRevert({ name: 'NotRegistered', args: ['0xabc…'] }) // 'account 0xabc… is not a registered household of this market'
 */
export function describeRevert(revert: Revert): string {
  const sentence = SENTENCES[revert.name]
  return sentence ? sentence(revert.args) : `reverted with ${revert.name}(${revert.args.map(String).join(', ')})`
}

/**
 * The decoded revert inside a viem error (a decoded contract error, or raw revert data decoded here).
 *
 * @example
 * const revert = revertOf(err) // { name: 'NotRegistered', args: ['0xabc…'] }
 */
export function revertOf(err: unknown): Revert | undefined {
  if (!(err instanceof BaseError)) return undefined
  const decoded = err.walk((e) => e instanceof ContractFunctionRevertedError)
  if (decoded instanceof ContractFunctionRevertedError && decoded.data) {
    return { name: decoded.data.errorName, args: decoded.data.args ?? [] }
  }
  // eth_estimateGas / eth_call without an ABI: the node's error carries the revert data.
  const withData = err.walk((e) => typeof (e as { data?: unknown }).data === 'string')
  const data = (withData as { data?: unknown } | null)?.data
  if (typeof data !== 'string' || !/^0x[0-9a-fA-F]{8,}$/.test(data)) return undefined
  try {
    const r = decodeErrorResult({ abi: ERROR_ABI, data: data as Hex })
    return { name: r.errorName, args: r.args ?? [] }
  } catch {
    return { name: `unknown error ${data.slice(0, 10)}`, args: [] }
  }
}

/**
 * Turns a viem error of a market command into a `ChainError` with a sentence: a decoded revert, insufficient funds
 * for gas, nonce too low, the RPC being down. `rpcUrl` names the endpoint in the RPC message.
 *
 * @example
 * try { await writeContract(...) } catch (err) { throw toChainError(err, { rpcUrl }) }
 */
export function toChainError(err: unknown, ctx: { rpcUrl?: string; action?: string } = {}): ChainError {
  if (err instanceof ChainError) return err
  const what = ctx.action ? `${ctx.action}: ` : ''
  const revert = revertOf(err)
  if (revert) {
    const code =
      revert.name === 'AccessControlUnauthorizedAccount' ? ChainErrorCode.NotOperator : ChainErrorCode.Reverted
    return new ChainError(`${what}${describeRevert(revert)}`, { code, revert, cause: err })
  }
  if (err instanceof BaseError) {
    // viem classifies most node errors; raw-transaction rejections (e.g. "Transaction creation failed") keep the
    // node's words only in `details`.
    const said = err.details ?? ''
    if (err.walk((e) => e instanceof InsufficientFundsError) || /insufficient funds/i.test(said)) {
      return new ChainError(`${what}the account cannot pay for the gas of this transaction`, {
        code: ChainErrorCode.InsufficientFunds,
        details: "send some of the chain's native currency to the account for gas, then run the command again",
        cause: err,
      })
    }
    if (err.walk((e) => e instanceof NonceTooLowError) || /nonce too low|nonce has already been used/i.test(said)) {
      return new ChainError(`${what}nonce too low: another transaction of this account took its nonce`, {
        code: ChainErrorCode.NonceTooLow,
        details: 'another wallet or gridlet uses the same key at the same time; run the command again',
        cause: err,
      })
    }
    if (err.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError)) {
      return new ChainError(`${what}no answer from the RPC endpoint${ctx.rpcUrl ? ` ${ctx.rpcUrl}` : ''}`, {
        code: ChainErrorCode.RpcDown,
        details: 'check the URL and the network; running the same command again is safe (it checks what was sent)',
        cause: err,
      })
    }
  }
  const message = err instanceof BaseError ? err.shortMessage : err instanceof Error ? err.message : String(err)
  return new ChainError(`${what}the chain refused the call: ${message}`, {
    code: ChainErrorCode.Reverted,
    cause: err,
  })
}
