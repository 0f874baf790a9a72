/** `gridlet chain dev` end to end: one command brings up a funded local market, Ctrl-C takes it down. */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPublicClient, http } from 'viem'
import { afterAll, expect, it } from 'vitest'
import { localChain, settlementAbi } from '../../src/chain/contracts.js'
import { loadDevChainConfig, parseDevChainConfig } from '../../src/chain/devChain.js'
import { ChainError } from '../../src/chain/errors.js'

const dir = mkdtempSync(join(tmpdir(), 'gridlet-devchain-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

it('gridlet chain dev registers and funds the households, writes the config, and stops anvil on SIGINT', async () => {
  const out = join(dir, 'chain-dev.json')
  const root = join(import.meta.dirname, '..', '..')
  const child = spawn(
    join(root, 'node_modules', '.bin', 'tsx'),
    ['src/cli/main.ts', 'chain', 'dev', '-n', '2', '-o', out],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  try {
    let stdout = ''
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString()
        if (stdout.includes('Ctrl-C stops the chain')) resolve()
      })
      child.once('exit', () => reject(new Error(`gridlet chain dev exited early:\n${stdout}`)))
    })
    const config = loadDevChainConfig(out)
    expect(config.households).toHaveLength(2)
    expect(config.warning).toMatch(/DEV KEYS/)
    const client = createPublicClient({ chain: localChain(config.chainId, config.rpcUrl), transport: http() })
    for (const h of config.households) {
      const common = { address: config.settlement, abi: settlementAbi, args: [h.address] } as const
      expect(await client.readContract({ ...common, functionName: 'isRegistered' })).toBe(true)
      expect(await client.readContract({ ...common, functionName: 'balanceOf' })).toBe(1_000_000_000n)
    }
    child.kill('SIGINT')
    expect(await exited).toBe(0)
    await expect(client.getChainId()).rejects.toThrow() // anvil is gone
  } finally {
    child.kill('SIGKILL')
  }
})

it('rejects a config with a bad field, naming it', () => {
  const bad = { warning: '', rpcUrl: 'http://127.0.0.1:1', chainId: 1, market: '0x00', token: '0x', settlement: '0x' }
  expect(() => parseDevChainConfig(bad)).toThrow(ChainError)
  try {
    parseDevChainConfig(bad)
  } catch (err) {
    expect((err as ChainError).field).toBe('market')
  }
})
