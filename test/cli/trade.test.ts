import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import pino from 'pino'
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../src/chain/anvil.js'
import { followClock } from '../../src/chain/followClock.js'
import { loadConfig } from '../../src/config/loadConfig.js'
import { acceleratedClock } from '../../src/core/time/clock.js'
import { intervalAt, intervalStartMs, marketTime } from '../../src/core/time/interval.js'
import { keystoreAddress } from '../../src/keystore/keystoreFile.js'
import { type MeterSimulator, startMeterSimulator, syntheticSource } from '../../src/meter/index.js'
import { type RunningNode, startNode } from '../../src/node/startNode.js'
import { derivePeerKey } from '../../src/p2p/createMarketNode.js'
import { gridlet, HOUSEHOLD_KEYS, type PilotChain, type Run, startPilotChain } from './harness.js'

const SPEED = 20
const TIME = marketTime({ lengthS: 60, gateClosureS: 40, maxSkewS: 2 })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** Gas used per transaction type, from the commands' output (the report's and docs/chain.md's table). */
const gas = new Map<string, bigint[]>()
const record = (kind: string, r: Run) => {
  for (const m of r.out.matchAll(/^([\w-]+)[^\n:]*: mined in block \d+, gas used (\d+)/gm)) {
    const k = kind === 'auto' ? m[1]!.split(' ')[0]! : kind
    gas.set(k, [...(gas.get(k) ?? []), BigInt(m[2]!)])
  }
}

/**
 * A pilot from the households' side: the market deployed with the CLI on anvil (an ordinary RPC endpoint), each
 * household initialised from the market file, registered from a CSV, funded with `escrow deposit`, then three real
 * nodes (meter simulators over Modbus TCP, libp2p on loopback) trade and settle; `market status` sees the trades on
 * chain and the nodes' intervals; a household withdraws after the delay.
 */
describe('a pilot with three nodes on a CLI-deployed market', { timeout: 90_000 }, () => {
  let chain: PilotChain
  const sims: MeterSimulator[] = []
  const nodes: RunningNode[] = []
  let unfollow = () => {}
  const day = Math.floor(Date.now() / 86_400_000) + 1
  const start = intervalStartMs(TIME, intervalAt(TIME, day * 86_400_000 + 12 * 3_600_000))
  const clock = acceleratedClock({ startMs: start, speed: SPEED })
  const path = (...p: string[]) => join(chain.dir, ...p)
  const pass = () => ['--passphrase-file', chain.passFile]

  beforeAll(async () => {
    chain = await startPilotChain()
    const ok = async (args: string[], kind = 'auto') => {
      const r = await gridlet(args[0] === 'key' ? args : [...args, '--poll-ms', '20'])
      expect(r.code, `${args.join(' ')}\n${r.err}`).toBe(0)
      record(kind, r)
      return r
    }
    await ok(['key', 'new', '-k', path('operator.json'), ...pass(), '--scrypt-n', '4096'])
    await chain.fund(keystoreAddress(path('operator.json')))
    await ok(
      [
        'market',
        'deploy',
        '--rpc',
        chain.anvil.rpcUrl,
        '--token',
        chain.token,
        '--name',
        'pilot-street',
        '-k',
        path('operator.json'),
        ...pass(),
        '--out',
        path('market.json'),
        '--yes',
        '--interval-s',
        '60',
        '--gate-closure-s',
        '40',
        '--settlement-window-s',
        '3600',
        '--withdrawal-delay-s',
        '7200',
      ],
      'deploy',
    )
    const ports = [await freePort(), await freePort(), await freePort()]
    const peers = await Promise.all(
      HOUSEHOLD_KEYS.map(async (k) => peerIdFromPrivateKey(await derivePeerKey(k)).toString()),
    )
    const rows: string[] = []
    for (const [i, key] of HOUSEHOLD_KEYS.entries()) {
      sims.push(
        await startMeterSimulator({
          profile: 'sdm630',
          clock,
          source: syntheticSource({ startMs: start, pvPeakW: i === 0 ? 9000 : 0 }),
        }),
      )
      writeFileSync(path(`h${i}.hex`), key)
      const boot = i === 0 ? [] : ['--bootstrap', `/ip4/127.0.0.1/tcp/${ports[0]}/p2p/${peers[0]}`]
      await gridlet([
        'init',
        '-c',
        path(`h${i}`, 'gridlet.yaml'),
        '--market',
        path('market.json'),
        '--import-key-file',
        path(`h${i}.hex`),
        ...pass(),
        '--scrypt-n',
        '4096',
        '--meter-port',
        String(sims[i]!.port),
        '--p2p-listen',
        `/ip4/127.0.0.1/tcp/${ports[i]}`,
        ...boot,
        '--no-mdns',
        '--http-port',
        '0',
      ])
      const account = keystoreAddress(path(`h${i}`, 'keystore.json'))
      await chain.mint(account, 500_000_000n)
      rows.push(`${account},meter-${i + 1}`)
    }
    writeFileSync(path('households.csv'), `account,meter\n${rows.join('\n')}\n`)
    const m = ['-m', path('market.json'), '-k', path('operator.json'), ...pass()]
    await ok(['market', 'register', '--csv', path('households.csv'), ...m, '--yes'], 'register')
    for (let i = 0; i < 3; i++) {
      const r = await ok(['escrow', 'deposit', '100', '-c', path(`h${i}`, 'gridlet.yaml'), ...pass(), '--yes'])
      expect(r.out).toContain('escrow balance 100 gEUR')
    }
    unfollow = followClock(chain.anvil.rpcUrl, clock, { everyMs: 500 })
    for (let i = 0; i < 3; i++) {
      const c = loadConfig(path(`h${i}`, 'gridlet.yaml'))
      expect(c.market.token).toEqual({ symbol: 'gEUR', decimals: 6 })
      const config = {
        ...c,
        market: { ...c.market, maxSkewS: TIME.maxSkewS },
        meter: { ...c.meter, pollS: 5, timeoutMs: 500 },
        chain: { ...c.chain, retryS: 0.5, pollS: 0.3 },
        // One-minute intervals carry a few Wh of household load: trade down to 1 Wh.
        strategy: { ...c.strategy, minQuantityWh: 1 },
      }
      nodes.push(await startNode({ config, privateKey: HOUSEHOLD_KEYS[i]!, clock, logger: pino({ level: 'silent' }) }))
    }
  }, 60_000)

  afterAll(async () => {
    unfollow()
    await Promise.allSettled(nodes.map((n) => n.stop()))
    await Promise.allSettled(sims.map((s) => s.close()))
    await chain?.stop()
  })

  it("trades settle on chain; market status shows them per day and the nodes' intervals; withdrawal after the delay", async () => {
    const market = ['-m', path('market.json')]
    let status: Run | undefined
    for (let t = 0; t < 14; t++) {
      await sleep((TIME.lengthS * 1000) / SPEED)
      status = await gridlet(['market', 'status', ...market, '--node', nodes[1]!.http.url])
      if (Number(/settled\s+(\d+) intervals/.exec(status.out)?.[1] ?? 0) >= 2) break
    }
    expect(status!.code, status!.err).toBe(0)
    expect(Number(/settled\s+(\d+) intervals/.exec(status!.out)?.[1])).toBeGreaterThanOrEqual(2)
    // One day row: intervals, trades, energy > 0 kWh, a value in gEUR, gas.
    const row = /^(\d{4}-\d\d-\d\d)\s+(\d+)\s+(\d+)\s+([\d.]+) kWh\s+([\d.]+) gEUR\s+(\d+)/m.exec(status!.out)
    expect(row, status!.out).not.toBeNull()
    expect(Number(row![4])).toBeGreaterThan(0)
    expect(Number(row![5])).toBeGreaterThan(0)
    gas.set(`settle (${row![3]} trades in ${row![2]} intervals)`, [BigInt(row![6]!) / BigInt(row![2]!)])
    expect(status!.out).toMatch(new RegExp(`node ${nodes[1]!.http.url}: \\d+ pending, 0 unsettleable`))

    // The node's status lists where each recent interval stands (what `market status --node` reads).
    const api = (await (await fetch(`${nodes[0]!.http.url}/api/status`)).json()) as { settlementIntervals: unknown[] }
    expect(api.settlementIntervals.length).toBeGreaterThan(0)

    await Promise.all(nodes.map((n) => n.stop()))
    nodes.length = 0
    unfollow()
    const h1 = ['-c', path('h1', 'gridlet.yaml'), ...pass(), '--yes', '--poll-ms', '20']
    const before = await gridlet(['escrow', 'status', '-c', path('h1', 'gridlet.yaml')])
    const balance = /balance\s+([\d.]+) gEUR/.exec(before.out)![1]!
    expect(Number(balance)).toBeLessThan(100) // house 2 bought energy
    const req = await gridlet(['escrow', 'withdraw-request', balance, ...h1])
    expect(req.code, req.err).toBe(0)
    record('requestWithdrawal', req)
    await chain.increaseTime(7200 + 1)
    const w = await gridlet(['escrow', 'withdraw', ...h1])
    expect(w.code, w.err).toBe(0)
    record('withdraw', w)
    expect(w.out).toContain(`received ${balance} gEUR; escrow balance 0 gEUR`)
    // The operator moves house 3 to a new key (a realistic address, not one full of zero bytes), then removes it.
    const m = ['-m', path('market.json'), '-k', path('operator.json'), ...pass(), '--yes', '--poll-ms', '20']
    const fresh = privateKeyToAddress(generatePrivateKey())
    const h3 = keystoreAddress(path('h2', 'keystore.json'))
    const rot = await gridlet(['market', 'rotate', h3, fresh, ...m])
    expect(rot.code, rot.err).toBe(0)
    record('rotate', rot)
    const rm = await gridlet(['market', 'remove', fresh, ...m])
    expect(rm.code, rm.err).toBe(0)
    record('remove', rm)
    console.log(
      [
        'gas used per transaction (measured on anvil):',
        ...[...gas].map(([k, v]) => `  ${k.padEnd(36)} ${v.join(', ')}`),
      ].join('\n'),
    )
  })
})
