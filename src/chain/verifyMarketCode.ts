import {
  type Address,
  type Client,
  encodeDeployData,
  getContractAddress,
  type Hex,
  hashDomain,
  keccak256,
  pad,
  toHex,
  zeroHash,
} from 'viem'
import { call, getChainId, getCode, getTransactionCount, readContract } from 'viem/actions'
import { settlementAbi, settlementArtifact } from './contracts.js'
import { feesArg, type MarketFees, type SettlementTiming } from './deployMarket.js'
import { toChainError } from './describeRevert.js'
import { ChainError, ChainErrorCode } from './errors.js'

/** The constructor arguments a settlement contract was deployed with (the market file names them). */
export interface MarketDeployment {
  contract: Address
  token: Address
  marketId: Hex
  timing: SettlementTiming
  admin: Address
  operator: Address
  /** Network fees (the market file's decimal-string form too); absent: a plain market. */
  fees?: MarketFees | { recipient: Address; maxFeePerWh: string }
}

/** Any sender for the replayed creation: it needs no funds, only a known nonce. */
const REPLAYER: Address = '0x000000000000000000000000000000000000dEaD'

/**
 * The creation code of the settlement artifact with these constructor arguments.
 *
 * @example
 * const data = settlementDeployData({ token, marketId, timing, admin, operator })
 */
export function settlementDeployData(d: Omit<MarketDeployment, 'contract'>): Hex {
  return encodeDeployData({
    abi: settlementArtifact.abi,
    bytecode: settlementArtifact.bytecode,
    args: [
      d.token,
      d.marketId,
      { ...d.timing, withdrawalDelay: BigInt(d.timing.withdrawalDelay) },
      d.admin,
      d.operator,
      feesArg(d.fees),
    ],
  })
}

/**
 * Checks that the code at `contract` is exactly gridlet's settlement artifact deployed with the given arguments:
 * replays the creation code (eth_call, no transaction) to get the runtime code it produces, puts the contract's
 * own address and EIP-712 domain separator where the replay's are (the two immutables that depend on the address),
 * and compares byte for byte; then asks the contract that `operator` and `admin` hold their roles. Returns
 * keccak256 of the verified code.
 *
 * @example
 * const codeHash = await verifyMarketCode(client, { contract, token, marketId, timing, admin, operator })
 */
export async function verifyMarketCode(client: Client, d: MarketDeployment): Promise<Hex> {
  let deployed: Hex | undefined
  let replayed: Hex | undefined
  let nonce: number
  try {
    deployed = await getCode(client, { address: d.contract })
    nonce = await getTransactionCount(client, { address: REPLAYER })
    replayed = (await call(client, { account: REPLAYER, data: settlementDeployData(d) })).data
  } catch (err) {
    throw toChainError(err, { action: 'verifying the contract code' })
  }
  if (!deployed || deployed === '0x') {
    throw new ChainError(`no contract at ${d.contract} on this chain`, {
      code: ChainErrorCode.CodeMismatch,
      field: 'contract',
    })
  }
  if (!replayed)
    throw new ChainError('the chain did not replay the creation code', { code: ChainErrorCode.CodeMismatch })
  const chainId = client.chain?.id ?? (await getChainId(client))
  const at = getContractAddress({ from: REPLAYER, nonce: BigInt(nonce) })
  const expected = substitute(replayed.toLowerCase(), [
    [word(pad(at)), word(pad(d.contract))],
    [word(separator(chainId, at)), word(separator(chainId, d.contract))],
  ])
  if (expected !== deployed.toLowerCase()) {
    throw new ChainError(`the code at ${d.contract} is not gridlet's settlement contract with these parameters`, {
      code: ChainErrorCode.CodeMismatch,
      field: 'contract',
      details:
        'another contract, another gridlet version, or other constructor arguments (token, market id, timing, admin, operator, fees) than the market file names',
    })
  }
  // Roles live in storage, not in the code: ask the contract.
  const hasRole = (role: Hex, account: Address) =>
    readContract(client, { address: d.contract, abi: settlementAbi, functionName: 'hasRole', args: [role, account] })
  const [operatorOk, adminOk] = await Promise.all([hasRole(OPERATOR_ROLE, d.operator), hasRole(zeroHash, d.admin)])
  if (!operatorOk || !adminOk) {
    throw new ChainError(
      `${!operatorOk ? `${d.operator} does not hold the operator role` : `${d.admin} does not hold the admin role`} of ${d.contract}`,
      { code: ChainErrorCode.CodeMismatch, field: operatorOk ? 'admin' : 'operator' },
    )
  }
  return keccak256(deployed)
}

const OPERATOR_ROLE = keccak256(toHex('OPERATOR_ROLE'))

const word = (h: Hex) => h.slice(2).toLowerCase()

const separator = (chainId: number, verifyingContract: Address) =>
  hashDomain({
    domain: { name: 'gridlet', version: '1', chainId: BigInt(chainId), verifyingContract },
    types: {
      EIP712Domain: [
        { name: 'name', type: 'string' },
        { name: 'version', type: 'string' },
        { name: 'chainId', type: 'uint256' },
        { name: 'verifyingContract', type: 'address' },
      ],
    },
  })

function substitute(code: string, pairs: readonly (readonly [string, string])[]): string {
  return pairs.reduce((c, [from, to]) => c.split(from).join(to), code)
}
