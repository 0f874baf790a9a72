import { type Address, type Client, erc20Abi } from 'viem'
import { readContract } from 'viem/actions'
import { toChainError } from './describeRevert.js'
import { ChainError, ChainErrorCode } from './errors.js'

/** An ERC-20's display unit: its symbol and decimals, read from the chain. */
export interface TokenInfo {
  readonly address: Address
  readonly symbol: string
  readonly decimals: number
}

/**
 * Reads an ERC-20's symbol and decimals (amounts on screen are shown in its display unit). A token without
 * `symbol()` is shown by its address; one without a sane `decimals()` is refused.
 *
 * @example
 * const { symbol, decimals } = await readToken(client, { token })
 */
export async function readToken(client: Client, args: { token: Address }): Promise<TokenInfo> {
  const read = <F extends 'decimals' | 'symbol'>(functionName: F) =>
    readContract(client, { address: args.token, abi: erc20Abi, functionName })
  let decimals: number
  try {
    decimals = await read('decimals')
  } catch (err) {
    const e = toChainError(err, { action: `reading decimals() of token ${args.token}` })
    if (e.code === ChainErrorCode.RpcDown) throw e
    throw new ChainError(`${args.token} does not answer decimals(): not an ERC-20 token on this chain`, {
      code: ChainErrorCode.InvalidInput,
      field: 'token',
      cause: err,
    })
  }
  if (!Number.isInteger(decimals) || decimals > 36) {
    throw new ChainError(`token ${args.token} reports ${decimals} decimals`, {
      code: ChainErrorCode.InvalidInput,
      field: 'token',
    })
  }
  const symbol = await read('symbol').then(
    (s) => (/^[\x20-\x7e]{1,32}$/.test(s) ? s : `token ${args.token}`),
    () => `token ${args.token}`,
  )
  return { address: args.token, symbol, decimals }
}
