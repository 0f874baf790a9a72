import { type Account, type Address, type Chain, type Client, getAddress, type Hex, type Transport } from 'viem'
import { deployContract, waitForTransactionReceipt } from 'viem/actions'
import { settlementArtifact, testTokenArtifact } from './contracts.js'
import { ChainError, ChainErrorCode } from './errors.js'

export interface DeployMarketArgs {
  /** Market id (bytes32) the orders are signed for. */
  market: Hex
  /** ERC-20 to escrow; a fresh dev test token is deployed when omitted. */
  token?: Address
  /** Seconds between a withdrawal request and its execution (default 1 day). */
  withdrawalDelay?: bigint
  /** Holder of DEFAULT_ADMIN_ROLE (default: the deploying account). */
  admin?: Address
  /** Holder of OPERATOR_ROLE, who manages the registry (default: the deploying account). */
  operator?: Address
}

export interface MarketContracts {
  token: Address
  settlement: Address
}

/**
 * Deploys the settlement contract of one market (and a dev test token unless `token` is given).
 *
 * @example
 * const { token, settlement } = await deployMarket(wallet, { market: keccak256(toHex('my-street')) })
 */
export async function deployMarket(
  client: Client<Transport, Chain, Account>,
  args: DeployMarketArgs,
): Promise<MarketContracts> {
  const me = client.account.address
  const token =
    args.token ??
    (await deployed(
      client,
      await deployContract(client, { abi: testTokenArtifact.abi, bytecode: testTokenArtifact.bytecode }),
    ))
  const settlement = await deployed(
    client,
    await deployContract(client, {
      abi: settlementArtifact.abi,
      bytecode: settlementArtifact.bytecode,
      args: [token, args.market, args.withdrawalDelay ?? 86_400n, args.admin ?? me, args.operator ?? me],
    }),
  )
  return { token, settlement }
}

async function deployed(client: Client, hash: Hex): Promise<Address> {
  const receipt = await waitForTransactionReceipt(client, { hash })
  if (receipt.status !== 'success' || !receipt.contractAddress) {
    throw new ChainError('contract deployment failed', { code: ChainErrorCode.Reverted, details: hash })
  }
  return getAddress(receipt.contractAddress)
}
