import type { Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { getBalance, getTransactionCount, getTransactionReceipt } from 'viem/actions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Anvil, startAnvil } from './anvil.js'
import { connectMarket } from './connectMarket.js'
import { devKeys } from './devAccounts.js'
import { prepareTransaction, sendPreparedTransaction } from './prepareTransaction.js'
import type { SigningClient } from './sendTransactionOnce.js'

const to: Address = '0x000000000000000000000000000000000000beef'
const [me] = devKeys(1)

async function clientOn(anvil: Anvil): Promise<SigningClient> {
  return connectMarket({
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    account: privateKeyToAccount(me!.privateKey),
    pollingMs: 20,
  })
}

async function mined(client: SigningClient, hash: `0x${string}`) {
  for (;;) {
    const receipt = await getTransactionReceipt(client, { hash }).catch(() => undefined)
    if (receipt) return receipt
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('prepareTransaction on a chain without EIP-1559 (anvil --hardfork berlin)', () => {
  let anvil: Anvil
  let client: SigningClient
  beforeAll(async () => {
    anvil = await startAnvil({ args: ['--hardfork', 'berlin'] })
    client = await clientOn(anvil)
  })
  afterAll(() => anvil?.stop())

  it('prepares a legacy transaction with a gas price, a 20 % gas margin and the pending nonce; the chain takes it', async () => {
    const p = await prepareTransaction(client, { to, data: '0x', value: 5n })
    expect(p.feeMode).toBe('legacy')
    expect(p.request.type).toBe('legacy')
    expect(p.request).not.toHaveProperty('maxFeePerGas')
    expect(p.maxFeePerGas).toBe((p.request as { gasPrice: bigint }).gasPrice)
    expect(p.gas).toBe(21_000n)
    expect(p.gasLimit).toBe(25_200n)
    expect(p.nonce).toBe(await getTransactionCount(client, { address: me!.address, blockTag: 'pending' }))
    const receipt = await mined(client, await sendPreparedTransaction(client, { to, data: '0x', value: 5n }))
    expect(receipt.type).toBe('legacy')
    expect(await getBalance(client, { address: to })).toBe(5n)
  })

  it('an access list makes it an EIP-2930 transaction (Berlin has those, and no base fee)', async () => {
    const accessList = [{ address: to, storageKeys: [] }]
    const p = await prepareTransaction(client, { to, data: '0x', value: 1n, accessList })
    expect(p.request.type).toBe('eip2930')
    const receipt = await mined(
      client,
      await sendPreparedTransaction(client, { to, data: '0x', value: 1n, accessList }),
    )
    expect(receipt.type).toBe('eip2930')
  })
})

describe('prepareTransaction on an EIP-1559 chain (anvil default hardfork)', () => {
  let anvil: Anvil
  let client: SigningClient
  beforeAll(async () => {
    anvil = await startAnvil()
    client = await clientOn(anvil)
  })
  afterAll(() => anvil?.stop())

  it('prepares EIP-1559 fees; the max fee is what the quote uses', async () => {
    const p = await prepareTransaction(client, { to, data: '0x', value: 1n })
    expect(p.feeMode).toBe('eip1559')
    expect(p.request.type).toBe('eip1559')
    expect(p.maxFeePerGas).toBe((p.request as { maxFeePerGas: bigint }).maxFeePerGas)
    expect(p.maxFeePerGas).toBeGreaterThan(0n)
  })

  it('a given gas limit and nonce are used as they are: nothing is estimated', async () => {
    // Init code 0xfe (INVALID) fails any estimate: preparing it with a gas limit shows no estimate was asked for.
    await expect(prepareTransaction(client, { data: '0xfe' })).rejects.toThrow()
    const p = await prepareTransaction(client, { data: '0xfe', gas: 99_999n, nonce: 41 })
    expect([p.gas, p.gasLimit, p.nonce, p.request.nonce, p.request.gas]).toEqual([99_999n, 99_999n, 41, 41, 99_999n])
  })
})
