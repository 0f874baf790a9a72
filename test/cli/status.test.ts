import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPublicClient, createTestClient, http, keccak256, zeroHash } from 'viem'
import { getCode, mine } from 'viem/actions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_SETTLEMENT_TIMING } from '../../src/chain/deployMarket.js'
import { type DevChain, startDevChain } from '../../src/chain/devChain.js'
import { writeMarketFile } from '../../src/chain/marketFile.js'
import { readToken } from '../../src/chain/readToken.js'
import { gridlet, rangeCappedProxy, recentInterval, settleInterval } from './harness.js'

/**
 * `gridlet market status` reads the settlement history in pages of blocks, as a public RPC allows: three intervals
 * settled over two days and ~100 blocks, read through a proxy that refuses log queries over 16 blocks.
 */
describe('gridlet market status: paged settlement history', { timeout: 60_000 }, () => {
  let dev: DevChain
  let marketFile: string
  const settledIn: bigint[] = []
  const status = (...args: string[]) => gridlet(['market', 'status', '-m', marketFile, ...args])
  const settledLine = (out: string) => /^settled .*$/m.exec(out)?.[0]
  const dayRows = (out: string) => out.split('\n').filter((l) => /^\d{4}-\d\d-\d\d /.test(l))

  beforeAll(async () => {
    dev = await startDevChain({ households: 3 })
    const test = createTestClient({ mode: 'anvil', transport: http(dev.rpcUrl) })
    const settle = async () => {
      const interval = await recentInterval(dev.rpcUrl, dev.settlement, 5n + BigInt(settledIn.length)) // a new one each time
      const { receipt } = await settleInterval(dev, { rpcUrl: dev.rpcUrl, interval })
      settledIn.push(receipt.blockNumber)
      await mine(test, { blocks: 30 })
    }
    await settle()
    await test.request({ method: 'evm_increaseTime', params: [`0x${(2 * 86_400).toString(16)}`] } as never)
    await settle()
    await settle()
    const client = createPublicClient({ transport: http(dev.rpcUrl) })
    marketFile = join(mkdtempSync(join(tmpdir(), 'gridlet-status-')), 'market.json')
    writeMarketFile(marketFile, {
      format: 'gridlet-market/1',
      name: 'gridlet-dev',
      marketId: dev.market,
      chainId: dev.chainId,
      rpcUrl: dev.rpcUrl,
      contract: dev.settlement,
      token: await readToken(client, { token: dev.token }),
      timing: DEFAULT_SETTLEMENT_TIMING,
      operator: dev.operator.address,
      admin: dev.operator.address,
      deployment: { tx: zeroHash, block: 0 },
      codeHash: keccak256((await getCode(client, { address: dev.settlement }))!),
    })
  })
  afterAll(() => dev?.stop())

  it('read in one page, then through an RPC capping log queries at 16 blocks: the same history', async () => {
    const whole = await status()
    expect(whole.code, whole.err).toBe(0)
    expect(settledLine(whole.out)).toMatch(/^settled\s+3 intervals \(last \d+\), blocks 0\.\.\d+$/)
    expect(dayRows(whole.out)).toHaveLength(2) // the first settlement two days before the others
    const proxy = await rangeCappedProxy(dev.rpcUrl, 16)
    try {
      const paged = await status('--rpc', proxy.url, '--log-page', '64')
      expect(paged.code, paged.err).toBe(0)
      expect(settledLine(paged.out)).toBe(settledLine(whole.out))
      expect(dayRows(paged.out)).toEqual(dayRows(whole.out))
      expect(proxy.refused).toEqual(['0..63', '0..31']) // then 16 blocks at a time
      const head = Number(/blocks 0\.\.(\d+)/.exec(paged.out)![1])
      expect(proxy.served).toBe(Math.ceil((head + 1) / 16))
      expect(paged.err).toContain('the RPC refused blocks 0..63: reading 32 blocks at a time')
      expect(paged.err).toMatch(new RegExp(`reading settlements: blocks 0\\.\\.${head} of 0\\.\\.${head}, 3 found`))
    } finally {
      await proxy.close()
    }
  })

  it('--from-block and --days read only the later history', async () => {
    const from = await status('--from-block', String(settledIn[2]))
    expect(from.code, from.err).toBe(0)
    expect(settledLine(from.out)).toMatch(new RegExp(`^settled\\s+1 intervals .*blocks ${settledIn[2]}\\.\\.`))
    const days = await status('--days', '1', '--log-page', '8')
    expect(days.code, days.err).toBe(0)
    expect(settledLine(days.out)).toMatch(/^settled\s+2 intervals/)
    const start = BigInt(/blocks (\d+)\.\./.exec(days.out)![1]!)
    expect(start > settledIn[0]! && start <= settledIn[1]!).toBe(true)
    expect(dayRows(days.out)).toHaveLength(1)
  })

  it('refuses both limits at once and a page of no blocks', async () => {
    const both = await status('--from-block', '1', '--days', '1')
    expect(both.code).toBe(2)
    expect(both.err).toContain('give --from-block or --days, not both')
    const none = await status('--log-page', '0')
    expect(none.code).not.toBe(0)
    expect(none.err).toContain('must be 1..1000000 blocks')
  })
})
