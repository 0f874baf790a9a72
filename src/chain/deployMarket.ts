import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type Client,
  type EncodeDeployDataParameters,
  encodeDeployData,
  getAddress,
  type Hex,
  type Transport,
  zeroAddress,
} from 'viem'
import { waitForTransactionReceipt } from 'viem/actions'
import { settlementArtifact, testTokenArtifact } from './contracts.js'
import { ChainError, ChainErrorCode } from './errors.js'
import { sendPreparedTransaction } from './prepareTransaction.js'

/** Market timing fixed in the contract at deployment (seconds; docs/settlement.md, "Time"). */
export interface SettlementTiming {
  /** Interval length; must equal the nodes' `lengthS`. */
  readonly intervalLength: number
  /**
   * Gate closure before an interval's start; must equal the nodes' `gateClosureS` (on-chain cancels of an interval
   * end at the gate closure of the one before).
   */
  readonly gateClosure: number
  /** Earliest settlement after the interval's start; at least the nodes' decide time (0 with default timing). */
  readonly settleDelay: number
  /** How long after its earliest time an interval can be settled (default 7 days, the nodes' order expiry). */
  readonly settlementWindow: number
  /** Seconds between a withdrawal request and its execution; the contract requires more than the three above. */
  readonly withdrawalDelay: number
}

/**
 * Defaults matching the core's default market time (900 s intervals, gate closure 60 s) and the p2p default
 * timing, whose decide time (gate closure + skew + digest delay + digest and result windows = start - 29 s) falls
 * before the interval's start, so settlement may start at the start.
 */
export const DEFAULT_SETTLEMENT_TIMING: SettlementTiming = {
  intervalLength: 900,
  gateClosure: 60,
  settleDelay: 0,
  settlementWindow: 7 * 86_400,
  withdrawalDelay: 8 * 86_400,
}

/**
 * The network fees of a fee market (docs/settlement.md, "Fees"), fixed at deployment: who is paid them and the
 * highest fee per Wh a trade may carry. Without them the market is plain: it settles only fee-less (v1) results.
 */
export interface MarketFees {
  /** Who is paid the fees (the grid operator); the nodes' grid `feeRecipient` must be the same address. */
  readonly recipient: Address
  /** Token units per Wh; the contract refuses a trade with a higher fee. */
  readonly maxFeePerWh: bigint
}

export interface DeployMarketArgs {
  /** Market id (bytes32) the orders are signed for. */
  market: Hex
  /** ERC-20 to escrow; a fresh dev test token is deployed when omitted. */
  token?: Address
  /** Market timing (defaults: DEFAULT_SETTLEMENT_TIMING). */
  timing?: Partial<SettlementTiming>
  /** Holder of DEFAULT_ADMIN_ROLE (default: the deploying account). */
  admin?: Address
  /** Holder of OPERATOR_ROLE, who manages the registry (default: the deploying account). */
  operator?: Address
  /** Network fees (default: none, a plain market). */
  fees?: MarketFees
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
      args: [token, args.market, timingArg(args.timing), args.admin ?? me, args.operator ?? me, feesArg(args.fees)],
    }),
  )
  return { token, settlement }
}

function timingArg(init: Partial<SettlementTiming> = {}) {
  const t = { ...DEFAULT_SETTLEMENT_TIMING, ...init }
  return { ...t, withdrawalDelay: BigInt(t.withdrawalDelay) }
}

/**
 * The constructor's `Fees` tuple: recipient 0 and max 0 for a plain market. Takes the market file's form too (the
 * maximum as a decimal string).
 */
export function feesArg(fees: { recipient: Address; maxFeePerWh: bigint | string } | undefined) {
  return { recipient: fees?.recipient ?? zeroAddress, maxFeePerWh: BigInt(fees?.maxFeePerWh ?? 0n) }
}

/** viem's deployContract, but through the one transaction-preparation step: also deploys on a legacy-fee chain. */
function deployContract<const abi extends Abi>(
  client: Client<Transport, Chain, Account>,
  params: EncodeDeployDataParameters<abi>,
): Promise<Hex> {
  return sendPreparedTransaction(client, { data: encodeDeployData(params as EncodeDeployDataParameters) })
}

async function deployed(client: Client, hash: Hex): Promise<Address> {
  const receipt = await waitForTransactionReceipt(client, { hash })
  if (receipt.status !== 'success' || !receipt.contractAddress) {
    throw new ChainError('contract deployment failed', { code: ChainErrorCode.Reverted, details: hash })
  }
  return getAddress(receipt.contractAddress)
}
