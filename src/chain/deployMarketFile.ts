import { type Address, getAddress, keccak256, toHex } from 'viem'
import { DEFAULT_SETTLEMENT_TIMING, type MarketFees, type SettlementTiming } from './deployMarket.js'
import { ChainError, ChainErrorCode } from './errors.js'
import type { MarketFile } from './marketFile.js'
import type { NativeCurrency } from './nativeCurrency.js'
import { readToken } from './readToken.js'
import { type SendHooks, type SentTx, type SigningClient, sendTransactionOnce } from './sendTransactionOnce.js'
import type { TxJournal } from './txJournal.js'
import { settlementDeployData, verifyMarketCode } from './verifyMarketCode.js'

export interface DeployMarketFileArgs extends SendHooks {
  journal: TxJournal
  /** Market name; the market id is keccak256 of it (as the nodes' `market.name`). */
  name: string
  /** The ERC-20 the escrow holds (checked to answer decimals()). */
  token: Address
  timing?: Partial<SettlementTiming>
  /** DEFAULT_ADMIN_ROLE holder (default: the deploying account). */
  admin?: Address
  /** OPERATOR_ROLE holder (default: the deploying account). */
  operator?: Address
  /** Network fees (absent: a plain market); written into the market file. */
  fees?: MarketFees
  /** What the chain pays gas in, written into the market file (`nativeCurrencyOf`). */
  nativeCurrency?: NativeCurrency
  /** The RPC URL written into the market file (the one households should use). */
  rpcUrl: string
  receiptTimeoutMs?: number
}

/**
 * Deploys the settlement contract of a market with the operator's key (journalled, so a retry after a timeout
 * finds the first deployment instead of making a second market), verifies the deployed code against the
 * artifact, and returns the market file's content.
 *
 * @example
 * const { market } = await deployMarketFile(wallet, { journal, name: 'my-street', token, rpcUrl, confirm })
 * writeMarketFile('market.json', market)
 */
export async function deployMarketFile(
  client: SigningClient,
  args: DeployMarketFileArgs,
): Promise<{ market: MarketFile; sent: SentTx }> {
  const me = client.account.address
  const timing = { ...DEFAULT_SETTLEMENT_TIMING, ...args.timing }
  if (timing.withdrawalDelay <= timing.gateClosure + timing.settleDelay + timing.settlementWindow) {
    throw new ChainError('the withdrawal delay must exceed gate closure + settle delay + settlement window', {
      code: ChainErrorCode.InvalidInput,
      field: 'withdrawal-delay-s',
      details: `got ${timing.withdrawalDelay} s, needs more than ${timing.gateClosure + timing.settleDelay + timing.settlementWindow} s`,
    })
  }
  const token = await readToken(client, { token: getAddress(args.token) })
  const marketId = keccak256(toHex(args.name))
  const fees = args.fees && { recipient: getAddress(args.fees.recipient), maxFeePerWh: args.fees.maxFeePerWh }
  const d = { token: token.address, marketId, timing, admin: args.admin ?? me, operator: args.operator ?? me, fees }
  const sent = await sendTransactionOnce(client, {
    journal: args.journal,
    plan: {
      key: `deploy:${client.chain.id}:${marketId}:${token.address}`,
      description: `deploy the settlement contract of market "${args.name}"`,
      data: settlementDeployData(d),
    },
    confirm: args.confirm,
    progress: args.progress,
    receiptTimeoutMs: args.receiptTimeoutMs,
    rpcUrl: args.rpcUrl,
  })
  const contract = sent.receipt.contractAddress
  if (!contract) throw new ChainError('the deployment created no contract', { code: ChainErrorCode.Reverted })
  const codeHash = await verifyMarketCode(client, { contract: getAddress(contract), ...d })
  const market: MarketFile = {
    format: 'gridlet-market/1',
    name: args.name,
    marketId,
    chainId: client.chain.id,
    rpcUrl: args.rpcUrl,
    contract: getAddress(contract),
    token,
    timing,
    operator: d.operator,
    admin: d.admin,
    ...(fees && { fees: { recipient: fees.recipient, maxFeePerWh: fees.maxFeePerWh.toString() } }),
    ...(args.nativeCurrency && { nativeCurrency: args.nativeCurrency }),
    deployment: { tx: sent.hash, block: Number(sent.receipt.blockNumber) },
    codeHash,
  }
  return { market, sent }
}
