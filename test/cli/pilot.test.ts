import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/loadConfig.js'
import { keystoreAddress, loadKey } from '../../src/keystore/keystoreFile.js'
import { type RunningNode, startNode } from '../../src/node/startNode.js'
import { gridlet, type PilotChain, startPilotChain } from './harness.js'

const ROOT = join(import.meta.dirname, '../..')

/** The shell block after the `<!-- pilot: -->` marker of a doc, one command per line (comment lines dropped). */
function pilotBlock(doc: string): string[] {
  const text = readFileSync(join(ROOT, doc), 'utf8')
  const at = text.indexOf('<!-- pilot:')
  expect(at, `${doc} has a <!-- pilot: --> block`).toBeGreaterThan(0)
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(at))![1]!
  return block.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'))
}

/** Words of one shell line: `$VAR` expanded from `env`, trailing `# comment` dropped (no quoting in gridlet lines). */
function words(line: string, env: Record<string, string>): string[] {
  return line
    .replace(/\s+#.*$/, '')
    .trim()
    .split(/\s+/)
    .map((w) => w.replace(/\$(\w+)/g, (_, name: string) => env[name] ?? ''))
}

/**
 * Runs the lines of a doc's pilot block in order, in a fresh directory against anvil (an ordinary RPC endpoint),
 * answering "y" to every confirmation. `gridlet` (or `npx gridlet`) lines run the production command tree in this
 * process; any other line runs in `sh` with the block's variables, as a person's shell would. Between the lines the
 * harness does what the comments ask of people: funding the accounts with gas and tokens, writing households.csv from
 * the accounts init printed, waiting the withdrawal delay (evm_increaseTime, as the doc says for an anvil trial).
 * The one `gridlet node` runs in-process on free ports with the built-in simulated meter (the gateway's meter at
 * 192.168.1.50 is not here), and the operator's `--node` URL is that node's.
 */
async function runPilot(chain: PilotChain, lines: readonly string[]): Promise<{ out: string; node?: RunningNode }> {
  const env: Record<string, string> = { RPC: chain.anvil.rpcUrl, TOKEN: chain.token, HOME: chain.dir }
  const outputs: string[] = []
  let node: RunningNode | undefined
  for (const line of lines) {
    let w = words(line, env)
    if (w[0] === 'npx') w = w.slice(1)
    if (w[0] === 'export') {
      const [name, value] = w[1]!.split('=') as [string, string]
      env[name] = value
      process.env[name] = value
      continue
    }
    if (w[0] !== 'gridlet') {
      execFileSync('sh', ['-c', line], { cwd: chain.dir, env: { ...process.env, ...env }, stdio: 'pipe' })
      continue
    }
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
  return { out: outputs.join('\n'), node }
}

describe('the pilot blocks of the docs, as written', { timeout: 120_000 }, () => {
  let chain: PilotChain | undefined
  let node: RunningNode | undefined
  const cwd = process.cwd()

  beforeEach(async () => {
    chain = await startPilotChain()
    process.chdir(chain.dir)
  })
  afterEach(async () => {
    process.chdir(cwd)
    delete process.env.GRIDLET_PASSPHRASE_FILE
    await node?.stop()
    node = undefined
    await chain?.stop()
  })

  it('docs/operator.md: every command succeeds, and the money goes where the block says', async () => {
    const lines = pilotBlock('docs/operator.md')
    expect(lines.length).toBeGreaterThanOrEqual(12)
    const run = await runPilot(chain!, lines)
    node = run.node
    expect(run.out).toContain('code verified against the artifact')
    expect(run.out).toMatch(/dry run: 1 to register/)
    expect(run.out).toMatch(/escrow balance 50 gEUR/)
    expect(run.out).toMatch(/balance\s+50 gEUR/)
    expect(run.out).toMatch(/households\s+1 registered \(1 ever\)/)
    expect(run.out).toMatch(/node http:\/\/127\.0\.0\.1:\d+: \d+ pending, 0 unsettleable/)
    expect(run.out).toContain('received 50 gEUR; escrow balance 0 gEUR')
  })

  it("README.md's pilot: every command succeeds; the household ends registered with its deposit", async () => {
    const lines = pilotBlock('README.md')
    expect(lines.length).toBeGreaterThanOrEqual(6)
    process.env.GRIDLET_PASSPHRASE_FILE = chain!.passFile // the passphrase a person types at each prompt
    const run = await runPilot(chain!, lines)
    expect(run.out).toContain('code verified against the artifact')
    expect(run.out).toMatch(/dry run: 1 to register/)
    expect(run.out).toMatch(/household 1: 0x[0-9a-fA-F]{40}, meter meter-1/)
    expect(run.out).toMatch(/escrow balance 50 gEUR/)
    expect(run.out).toMatch(/households\s+1 registered \(1 ever\)/)
    expect(run.out).toMatch(/escrow\s+50 gEUR held/)
  })
})
