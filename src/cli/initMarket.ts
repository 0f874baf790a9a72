import { keccak256 } from 'viem'
import { getCode } from 'viem/actions'
import { connectMarket } from '../chain/connectMarket.js'
import { ChainError, ChainErrorCode } from '../chain/errors.js'
import { loadMarketFile } from '../chain/marketFile.js'
import { verifyMarketCode } from '../chain/verifyMarketCode.js'
import type { TemplateValues } from '../config/configTemplate.js'

/**
 * The config values `gridlet init --market FILE` takes from the operator's market file, after checking the file
 * against the chain: the RPC serves the file's chain id, and the contract's code is gridlet's settlement contract
 * with the file's token, market id, timing and roles (so a household never signs orders for a look-alike).
 *
 * @example
 * const values = await marketTemplateValues('market.json')
 */
export async function marketTemplateValues(path: string): Promise<TemplateValues> {
  const m = readMarketFile(path)
  const client = await connectMarket({ rpcUrl: m.rpcUrl, chainId: m.chainId })
  const code = await getCode(client, { address: m.contract })
  if (!code || keccak256(code) !== m.codeHash) {
    throw new ChainError(`the contract at ${m.contract} is not the one the market file describes`, {
      code: ChainErrorCode.CodeMismatch,
      field: 'contract',
    })
  }
  await verifyMarketCode(client, { ...m, token: m.token.address })
  if (m.timing.intervalLength < 60 || m.timing.intervalLength > 3600 || 86_400 % m.timing.intervalLength !== 0) {
    throw new ChainError(`the market's interval length ${m.timing.intervalLength} s is not one a node can run`, {
      code: ChainErrorCode.InvalidInput,
      field: 'timing.intervalLength',
      details: 'nodes need 60..3600 s dividing a day',
    })
  }
  return {
    marketName: m.name,
    marketId: m.marketId,
    chainId: m.chainId,
    contract: m.contract,
    rpcUrl: m.rpcUrl,
    intervalS: m.timing.intervalLength,
    gateClosureS: m.timing.gateClosure,
    token: { symbol: m.token.symbol, decimals: m.token.decimals },
  }
}

/** The market file, with why it could not be read (no such file, not JSON) said in the error's details. */
function readMarketFile(path: string) {
  try {
    return loadMarketFile(path)
  } catch (err) {
    if (!(err instanceof ChainError) || err.details || !(err.cause instanceof Error)) throw err
    throw new ChainError(err.shortMessage, {
      code: err.code as ChainErrorCode,
      field: err.field,
      cause: err.cause,
      details: err.cause.message,
    })
  }
}
