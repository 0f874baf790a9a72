import { keccak256, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { getCode } from 'viem/actions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Anvil, startAnvil } from './anvil.js'
import { connectMarket } from './connectMarket.js'
import { DEFAULT_SETTLEMENT_TIMING, deployMarket, type MarketContracts } from './deployMarket.js'
import { devKeys } from './devAccounts.js'
import { ChainErrorCode } from './errors.js'
import type { SigningClient } from './sendTransactionOnce.js'
import { type MarketDeployment, verifyMarketCode } from './verifyMarketCode.js'

describe('verifyMarketCode against anvil', () => {
  let anvil: Anvil
  let client: SigningClient
  let deployed: MarketContracts
  let d: MarketDeployment
  const [me, other] = devKeys(2)

  beforeAll(async () => {
    anvil = await startAnvil()
    client = await connectMarket({ rpcUrl: anvil.rpcUrl, account: privateKeyToAccount(me!.privateKey), pollingMs: 20 })
    const marketId = keccak256(toHex('verify-street'))
    deployed = await deployMarket(client, { market: marketId })
    d = {
      contract: deployed.settlement,
      token: deployed.token,
      marketId,
      timing: DEFAULT_SETTLEMENT_TIMING,
      admin: me!.address,
      operator: me!.address,
    }
  })
  afterAll(() => anvil?.stop())

  it('accepts the artifact deployed with the same arguments and returns the code hash', async () => {
    const code = await getCode(client, { address: deployed.settlement })
    expect(await verifyMarketCode(client, d)).toBe(keccak256(code!))
  })

  it('refuses other constructor arguments, another operator, and an address without the contract', async () => {
    const refused = (x: Partial<MarketDeployment>) =>
      verifyMarketCode(client, { ...d, ...x }).then(
        () => 'accepted',
        (e: { code: string; field?: string }) => `${e.code}:${e.field}`,
      )
    expect(await refused({ timing: { ...DEFAULT_SETTLEMENT_TIMING, withdrawalDelay: 9 * 86_400 } })).toBe(
      `${ChainErrorCode.CodeMismatch}:contract`,
    )
    expect(await refused({ marketId: keccak256(toHex('elsewhere')) })).toBe(`${ChainErrorCode.CodeMismatch}:contract`)
    expect(await refused({ token: other!.address })).toBe(`${ChainErrorCode.CodeMismatch}:contract`)
    expect(await refused({ operator: other!.address })).toBe(`${ChainErrorCode.CodeMismatch}:operator`)
    expect(await refused({ contract: deployed.token })).toBe(`${ChainErrorCode.CodeMismatch}:contract`)
    expect(await refused({ contract: other!.address })).toBe(`${ChainErrorCode.CodeMismatch}:contract`)
    expect(await refused({ fees: { recipient: other!.address, maxFeePerWh: 5n } })).toBe(
      `${ChainErrorCode.CodeMismatch}:contract`,
    )
  })

  it('accepts a fee market with its fees (also in the market file form) and refuses other fees', async () => {
    const fees = { recipient: other!.address, maxFeePerWh: 50n }
    const market = await deployMarket(client, { market: d.marketId, token: deployed.token, fees })
    const f = { ...d, contract: market.settlement, fees }
    const code = await getCode(client, { address: market.settlement })
    expect(await verifyMarketCode(client, f)).toBe(keccak256(code!))
    expect(await verifyMarketCode(client, { ...f, fees: { recipient: other!.address, maxFeePerWh: '50' } })).toBe(
      keccak256(code!),
    )
    for (const x of [undefined, { ...fees, maxFeePerWh: 51n }, { ...fees, recipient: me!.address }]) {
      await expect(verifyMarketCode(client, { ...f, fees: x })).rejects.toMatchObject({
        code: ChainErrorCode.CodeMismatch,
        field: 'contract',
      })
    }
  })
})
