import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/loadConfig.js'
import { keystoreAddress } from '../../src/keystore/keystoreFile.js'
import { gridlet, type PilotChain, startPilotChain } from './harness.js'

/**
 * `gridlet init --market FILE`, in-process against anvil: a household's node config comes from the operator's
 * market file only after the file is checked against the chain; each way it can be wrong fails with a sentence and
 * the field, and leaves neither a keystore nor a config behind.
 */
describe('gridlet init --market', { timeout: 60_000 }, () => {
  let chain: PilotChain
  let market: Record<string, unknown>
  let n = 0

  beforeAll(async () => {
    chain = await startPilotChain()
    const key = join(chain.dir, 'operator', 'key.json')
    const pass = ['--passphrase-file', chain.passFile]
    expect((await gridlet(['key', 'new', '-k', key, ...pass, '--scrypt-n', '4096'])).code).toBe(0)
    await chain.fund(keystoreAddress(key))
    const out = join(chain.dir, 'market.json')
    const deploy = await gridlet([
      ...['market', 'deploy', '--rpc', chain.anvil.rpcUrl, '--token', chain.token, '--name', 'init-street'],
      ...['--out', out, '-k', key, ...pass, '--poll-ms', '20', '--yes'],
    ])
    expect(deploy.code, deploy.err).toBe(0)
    market = JSON.parse(readFileSync(out, 'utf8'))
  })
  afterAll(() => chain?.stop())

  /** Runs `gridlet init --market FILE` into a fresh directory; returns the run and whether it wrote anything. */
  async function init(file: string) {
    const dir = join(chain.dir, `household-${++n}`)
    const config = join(dir, 'gridlet.yaml')
    const run = await gridlet([
      ...['init', '--market', file, '-c', config, '--passphrase-file', chain.passFile, '--scrypt-n', '4096'],
    ])
    return { ...run, config, wrote: existsSync(config) || existsSync(join(dir, 'keystore.json')) }
  }
  /** Writes a market file: the deployed one with `change` applied. */
  function variant(change: (m: Record<string, unknown>) => unknown): string {
    const file = join(chain.dir, `market-${++n}.json`)
    writeFileSync(file, JSON.stringify(change(structuredClone(market))))
    return file
  }

  it('a good market file gives a node config with its chain, contract, market and token', async () => {
    const r = await init(variant((m) => m))
    expect(r.code, r.err).toBe(0)
    const c = loadConfig(r.config)
    expect([c.market.chainId, c.market.contract, c.chain.rpcUrl]).toEqual([
      chain.anvil.chainId,
      market.contract,
      chain.anvil.rpcUrl,
    ])
  })

  it('gridlet node refuses to start on an RPC serving another chain than market.chainId', {
    timeout: 60_000,
  }, async () => {
    const r = await init(variant((m) => m))
    expect(r.code, r.err).toBe(0)
    writeFileSync(r.config, readFileSync(r.config, 'utf8').replace(/chainId: \d+/, 'chainId: 100'))
    const node = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, '../../src/cli/main.ts'), 'node', '-c', r.config],
      {
        encoding: 'utf8',
        env: { ...process.env, NODE_NO_WARNINGS: '1', GRIDLET_PASSPHRASE_FILE: chain.passFile },
        timeout: 50_000,
      },
    )
    expect(node.status, node.stderr).toBe(2)
    expect(node.stderr).toContain(
      `wrong chain: ${chain.anvil.rpcUrl} serves chain ${chain.anvil.chainId}, the market is on chain 100`,
    )
  })

  it('a missing file is named, with why', async () => {
    const r = await init(join(chain.dir, 'no-such-market.json'))
    expect(r.code).toBe(2)
    expect(r.err).toContain(`cannot read market file ${join(chain.dir, 'no-such-market.json')}`)
    expect(r.err).toContain('Field: market')
    expect(r.err).toMatch(/Details: ENOENT: no such file/)
    expect(r.wrote).toBe(false)
  })

  it('a file that is not JSON is refused, with the parser saying where', async () => {
    const file = join(chain.dir, 'garbled.json')
    writeFileSync(file, '{"format": "gridlet-market/1", chainId: ')
    const r = await init(file)
    expect(r.code).toBe(2)
    expect(r.err).toContain(`cannot read market file ${file}`)
    expect(r.err).toMatch(/Details: .*JSON/)
    expect(r.wrote).toBe(false)
  })

  it.each([
    ['chainId', (m: Record<string, unknown>) => ({ ...m, chainId: 'thirty-one' }), 'chainId'],
    ['a contract that is no address', (m: Record<string, unknown>) => ({ ...m, contract: '0x1234' }), 'contract'],
    [
      "the token's decimals",
      (m: Record<string, unknown>) => ({ ...m, token: { ...(m.token as object), decimals: 99 } }),
      'token.decimals',
    ],
    ['an unknown field', (m: Record<string, unknown>) => ({ ...m, privateKey: '0x01' }), 'file'],
  ])('an invalid market file (%s) names the field', async (_, change, field) => {
    const r = await init(variant(change))
    expect(r.code).toBe(2)
    expect(r.err).toContain(`invalid market file: ${field}`)
    expect(r.wrote).toBe(false)
  })

  it('a chain id the RPC does not serve is refused before anything is written', async () => {
    const r = await init(variant((m) => ({ ...m, chainId: 100 })))
    expect(r.code).toBe(2)
    expect(r.err).toContain(`serves chain ${chain.anvil.chainId}, the market is on chain 100`)
    expect(r.err).toContain('Field: chainId')
    expect(r.wrote).toBe(false)
  })

  it('an RPC that is down is named', async () => {
    const r = await init(variant((m) => ({ ...m, rpcUrl: 'http://127.0.0.1:9' })))
    expect(r.code).toBe(2)
    expect(r.err).toContain('no answer from the RPC endpoint http://127.0.0.1:9')
    expect(r.wrote).toBe(false)
  })

  it("code at the address that is not the file's contract is refused (another contract, no contract, other parameters)", async () => {
    const other = await init(variant((m) => ({ ...m, contract: chain.token })))
    expect(other.code).toBe(2)
    expect(other.err).toContain(`the contract at ${chain.token} is not the one the market file describes`)
    expect(other.err).toContain('Field: contract')
    const none = await init(variant((m) => ({ ...m, contract: '0x000000000000000000000000000000000000dEaD' })))
    expect(none.code).toBe(2)
    expect(none.err).toContain('is not the one the market file describes')
    // The right code, but the file claims another token: the constructor arguments give it away.
    const token = await init(
      variant((m) => ({
        ...m,
        token: { ...(m.token as object), address: '0x000000000000000000000000000000000000bEEF' },
      })),
    )
    expect(token.code).toBe(2)
    expect(token.err).toContain(`is not gridlet's settlement contract with these parameters`)
    expect([other.wrote, none.wrote, token.wrote]).toEqual([false, false, false])
  })
})
