/**
 * The fee root known-answer vector (protocols/vectors/feeRoot.json) settled on a fresh anvil: the contract that
 * anvil account 0 deploys there recomputes the committed v2 root bit for bit, the one resultRoot.ts computes.
 */
import { readFileSync } from 'node:fs'
import { createWalletClient, getAddress, type Hex, http, parseEventLogs, publicActions } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { FEE_VECTOR_DOMAIN, FEE_VECTOR_RECIPIENT, feeRootVector, VECTOR_KEYS } from '../../protocols/vectors/vectors.js'
import { localChain, settlementAbi, testTokenAbi } from '../../src/chain/contracts.js'
import { type DevChain, startDevChain } from '../../src/chain/devChain.js'
import { encodeSettlement } from '../../src/chain/encodeSettlement.js'
import { readHouseholds } from '../../src/chain/readHouseholds.js'
import { settleBatch } from '../../src/chain/settleBatch.js'
import { signAttestations } from '../../src/chain/signAttestations.js'
import { resultRoot } from '../../src/core/market/resultRoot.js'
import { accountOf } from '../../src/core/order/signOrder.js'

let dev: DevChain
beforeAll(async () => {
  // Household 1 is anvil account 1; the operator, account 0, deploys the token (nonce 0) and the settlement (1).
  dev = await startDevChain({
    households: 1,
    marketName: 'gridlet/vectors',
    fees: { recipient: FEE_VECTOR_RECIPIENT, maxFeePerWh: 100n },
  })
})
afterAll(async () => dev?.stop())

const wallet = (key: Hex) =>
  createWalletClient({
    account: privateKeyToAccount(key),
    chain: localChain(dev.chainId, dev.rpcUrl),
    transport: http(dev.rpcUrl),
    pollingInterval: 20,
  }).extend(publicActions)

it('the contract emits the committed v2 root of the fee vector, as resultRoot computes it', async () => {
  const committed = JSON.parse(readFileSync(new URL('../../protocols/vectors/feeRoot.json', import.meta.url), 'utf8'))
  const v = feeRootVector()
  expect(v.root).toBe(committed.root)
  expect(resultRoot(v.result)).toBe(committed.root)
  expect(dev.settlement).toBe(getAddress(FEE_VECTOR_DOMAIN.verifyingContract))

  const operator = wallet(VECTOR_KEYS[0])
  const me = accountOf(VECTOR_KEYS[0])
  const send = async (address: Hex, abi: readonly unknown[], functionName: string, args: readonly unknown[]) => {
    const hash = await operator.writeContract({ address, abi, functionName, args } as never)
    expect((await operator.waitForTransactionReceipt({ hash })).status).toBe('success')
  }
  await send(dev.settlement, settlementAbi, 'register', [me, `0x${'77'.repeat(32)}`])
  await send(dev.token, testTokenAbi, 'mint', [me, 10n ** 9n])
  await send(dev.token, testTokenAbi, 'approve', [dev.settlement, 10n ** 9n])
  await send(dev.settlement, settlementAbi, 'deposit', [10n ** 9n])
  // The vector's interval lies ahead of today: move the chain's time into its settlement window.
  await operator.request({ method: 'evm_setNextBlockTimestamp' as never, params: [1_800_000_010] as never })
  await operator.request({ method: 'evm_mine' as never, params: [] as never })

  const { interval, rule, clearingPrice, trades, feeRecipient } = v.result
  const attestations = signAttestations(
    VECTOR_KEYS.map((privateKey) => ({ address: accountOf(privateKey), privateKey })),
    FEE_VECTOR_DOMAIN,
    { market: v.market, interval, setHash: `0x${'55'.repeat(32)}`, root: v.root },
  )
  const accounts = VECTOR_KEYS.map((k) => accountOf(k))
  const households = await readHouseholds(operator, { settlement: dev.settlement, accounts })
  const batch = encodeSettlement(interval, v.orders, trades, households, {
    rule,
    clearingPrice,
    attestations,
    feeRecipient,
  })
  expect(batch.root).toBe(committed.root)
  const hash = await settleBatch(operator, { settlement: dev.settlement, batch })
  const receipt = await operator.waitForTransactionReceipt({ hash })
  const [settled] = parseEventLogs({ abi: settlementAbi, logs: receipt.logs, eventName: 'Settled' })
  expect(settled?.args.root).toBe(committed.root)
  const fees = trades.reduce((s, t) => s + t.fee, 0n)
  expect(
    await operator.readContract({ address: dev.settlement, abi: settlementAbi, functionName: 'feesAccrued' }),
  ).toBe(fees)
})
