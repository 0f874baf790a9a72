import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/loadConfig.js'
import { keystoreAddress, loadKey } from '../../src/keystore/keystoreFile.js'
import { type RunningNode, startNode } from '../../src/node/startNode.js'
import { gridlet, type PilotChain, startPilotChain } from './harness.js'

const DOC = join(import.meta.dirname, '../../docs/operator.md')

/** The shell block after the `<!-- pilot -->` marker of docs/operator.md, one command per line. */
function pilotBlock(): string[] {
  const text = readFileSync(DOC, 'utf8')
  const at = text.indexOf('<!-- pilot:')
  expect(at).toBeGreaterThan(0)
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(at))![1]!
  return block.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'))
}

/** Words of one shell line: `$VAR` expanded from `env`, trailing `# comment` dropped (no quoting in the block). */
function words(line: string, env: Record<string, string>): string[] {
  return line
    .replace(/\s+#.*$/, '')
    .trim()
    .split(/\s+/)
    .map((w) => w.replace(/\$(\w+)/g, (_, name: string) => env[name] ?? ''))
}

/**
 * Runs the pilot of docs/operator.md as written, line by line, in a fresh directory against anvil (an ordinary RPC
 * endpoint), answering "y" to every confirmation. Between the lines the test does what the comments ask of people:
 * funding the accounts, writing households.csv from the accounts init printed, waiting the withdrawal delay. The
 * one `gridlet node` runs in-process on free ports with the built-in simulated meter (the gateway's meter at
 * 192.168.1.50 is not here), and the operator's `--node` URL is that node's.
 */
describe('docs/operator.md: the pilot block, as written', { timeout: 90_000 }, () => {
  let chain: PilotChain
  let node: RunningNode | undefined
  const cwd = process.cwd()

  beforeAll(async () => {
    chain = await startPilotChain()
    process.chdir(chain.dir)
  })
  afterAll(async () => {
    process.chdir(cwd)
    delete process.env.GRIDLET_PASSPHRASE_FILE
    await node?.stop()
    await chain?.stop()
  })

  it('every command of the block succeeds, and the money goes where the block says', async () => {
    const lines = pilotBlock()
    expect(lines.length).toBeGreaterThanOrEqual(12)
    const env: Record<string, string> = { RPC: chain.anvil.rpcUrl, TOKEN: chain.token, HOME: chain.dir }
    const outputs: string[] = []
    for (const line of lines) {
      let w = words(line, env)
      if (w[0] === 'export') {
        const [name, value] = w[1]!.split('=') as [string, string]
        env[name] = value
        writeFileSync(value, 'correct horse battery staple\n')
        process.env[name] = value
        continue
      }
      expect(w[0], line).toBe('gridlet')
      w = w.slice(1)
      if (w[0] === 'market' && w[1] === 'register' && !existsSync('households.csv')) {
        const homes = readdirSync('.').filter((d) => /^h\d+$/.test(d))
        const rows = homes.map((h, i) => `${keystoreAddress(join(h, 'keystore.json'))},meter-${i + 1}`)
        writeFileSync('households.csv', `account,meter\n${rows.join('\n')}\n`)
      }
      if (w[0] === 'escrow' && w[1] === 'withdraw') await chain.increaseTime(8 * 86_400 + 1)
      if (w[0] === 'node') {
        const c = loadConfig(w[w.indexOf('-c') + 1]!)
        const config = {
          ...c,
          meter: { ...c.meter, kind: 'simulated' as const },
          p2p: { ...c.p2p, listen: ['/ip4/127.0.0.1/tcp/0'] },
          http: { ...c.http, port: 0 },
        }
        node = await startNode({
          config,
          privateKey: await loadKey(c.keystore, { file: env.GRIDLET_PASSPHRASE_FILE }),
          logger: pino({ level: 'silent' }),
        })
        env.NODE = node.http.url
        continue
      }
      const args = w.map((x) => (x === 'http://127.0.0.1:8080' && env.NODE ? env.NODE : x))
      const r = await gridlet(args, { answer: true })
      expect(r.code, `${line}\n${r.out}\n${r.err}`).toBe(0)
      outputs.push(r.out)
      if (w[0] === 'key' && w[1] === 'new') await chain.fund(keystoreAddress(w[w.indexOf('--keystore') + 1]!))
      if (w[0] === 'init') {
        const account = keystoreAddress(join(w[w.indexOf('-c') + 1]!, '..', 'keystore.json'))
        await chain.fund(account)
        await chain.mint(account, 200_000_000n)
      }
    }
    const all = outputs.join('\n')
    expect(all).toContain('code verified against the artifact')
    expect(all).toMatch(/dry run: 1 to register/)
    expect(all).toMatch(/escrow balance 50 gEUR/)
    expect(all).toMatch(/balance\s+50 gEUR/)
    expect(all).toMatch(/households\s+1 registered \(1 ever\)/)
    expect(all).toMatch(/node http:\/\/127\.0\.0\.1:\d+: \d+ pending, 0 unsettleable/)
    expect(all).toContain('received 50 gEUR; escrow balance 0 gEUR')
  })
})
