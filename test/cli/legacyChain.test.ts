import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestClient, createWalletClient, http, parseGwei } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { getTransactionReceipt, sendTransaction, setBalance } from 'viem/actions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Anvil, startAnvil } from '../../src/chain/anvil.js'
import { localChain } from '../../src/chain/contracts.js'
import { type DevChain, startDevChain } from '../../src/chain/devChain.js'
import { loadMarketFile } from '../../src/chain/marketFile.js'
import { keystoreAddress } from '../../src/keystore/keystoreFile.js'
import { gridlet, legacyFeeProxy, recentInterval, settleInterval } from './harness.js'

/**
 * Every transaction path of gridlet on a chain without EIP-1559 (no base fee, type-2 transactions refused): the dev
 * chain's setup and deployMarket, the settlement batcher, and `gridlet market deploy`. Each went through viem's own
 * preparation before; now all go through prepareTransaction.
 */
describe('a chain without EIP-1559 fees', { timeout: 60_000 }, () => {
  let anvil: Anvil
  let proxy: Awaited<ReturnType<typeof legacyFeeProxy>>
  let dev: DevChain
  const chain = () => localChain(anvil.chainId, proxy.url)

  beforeAll(async () => {
    anvil = await startAnvil()
    proxy = await legacyFeeProxy(anvil.rpcUrl)
    dev = await startDevChain({ rpcUrl: proxy.url, chainId: anvil.chainId, households: 3 })
  })
  afterAll(async () => {
    await proxy?.close()
    await anvil?.stop()
  })

  it('the proxy refuses an EIP-1559 transaction, as such a chain does', async () => {
    const wallet = createWalletClient({
      account: privateKeyToAccount(dev.operator.privateKey),
      chain: chain(),
      transport: http(proxy.url),
    })
    const err = await sendTransaction(wallet, {
      to: dev.operator.address,
      maxFeePerGas: parseGwei('10'),
      maxPriorityFeePerGas: 1n,
    }).catch((e: unknown) => e)
    expect(String(err)).toContain('transaction type not supported')
    expect(proxy.refused).toBe(1)
  })

  it('the dev chain deploys and funds its market through the proxy (deployMarket, setup calls)', () => {
    expect(dev.settlement).toMatch(/^0x[0-9a-fA-F]{40}$/)
    expect(proxy.refused).toBeLessThanOrEqual(1) // only the probe above
  })

  it('the batcher settles an interval with a type-1 (access list, gas price) transaction', async () => {
    const { receipt } = await settleInterval(dev, {
      rpcUrl: proxy.url,
      interval: await recentInterval(proxy.url, dev.settlement),
    })
    expect(receipt.status).toBe('success')
    expect(receipt.type).toBe('eip2930')
    expect(proxy.refused).toBe(1)
  })

  it('gridlet market deploy deploys and verifies the contract with a legacy transaction', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridlet-legacy-'))
    const pass = join(dir, 'pass')
    writeFileSync(pass, 'legacy chain passphrase\n')
    const k = join(dir, 'operator', 'key.json')
    expect((await gridlet(['key', 'new', '-k', k, '--passphrase-file', pass, '--scrypt-n', '4096'])).code).toBe(0)
    await setBalance(createTestClient({ mode: 'anvil', transport: http(anvil.rpcUrl) }), {
      address: keystoreAddress(k),
      value: 10n ** 19n,
    })
    const out = join(dir, 'market.json')
    const r = await gridlet([
      'market',
      'deploy',
      '--rpc',
      proxy.url,
      '--token',
      dev.token,
      '--name',
      'legacy-street',
      '--out',
      out,
      '-k',
      k,
      '--passphrase-file',
      pass,
      '--poll-ms',
      '20',
      '--yes',
    ])
    expect(r.code, r.err).toBe(0)
    expect(r.out).toContain('code verified against the artifact')
    const m = loadMarketFile(out)
    const receipt = await getTransactionReceipt(createWalletClient({ chain: chain(), transport: http(proxy.url) }), {
      hash: m.deployment.tx,
    })
    expect(receipt.type).toBe('legacy')
    expect(proxy.refused).toBe(1)
  })
})
