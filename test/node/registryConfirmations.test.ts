/**
 * The node follows the household registry only `chain.registryConfirmations` blocks deep, against a real anvil: a
 * registration in a block that a reorg drops (evm_snapshot / evm_revert) is never applied, a confirmed one is, from
 * its boundary interval; a reorg deeper than the depth is detected and undone; a depth too slow for the interval
 * stops the node at start with an error naming the field.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { Registry } from 'prom-client'
import { type Address, createTestClient, type Hex, http, keccak256, stringToHex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devKeys } from '../../src/chain/devAccounts.js'
import { readRegistryChanges } from '../../src/chain/readRegistryChanges.js'
import { registryBoundary } from '../../src/chain/registryAt.js'
import { parseConfig } from '../../src/config/loadConfig.js'
import { systemClock } from '../../src/core/time/clock.js'
import { marketTime } from '../../src/core/time/interval.js'
import { type ChainView, chainView } from '../../src/node/adapters/chainView.js'
import { startNode } from '../../src/node/startNode.js'
import { openStore } from '../../src/store/index.js'
import { useDevChain } from '../support/writeSettlement.js'

const chain = useDevChain(2) // 900 s intervals, gate closure 60 s: TIME
const TIME = marketTime({ lengthS: 900, gateClosureS: 60, maxSkewS: 5 })
const views: ChainView[] = []
let test: ReturnType<typeof createTestClient>

beforeAll(() => {
  test = createTestClient({ mode: 'anvil', transport: http(chain.dev.rpcUrl) })
})
afterAll(() => {
  for (const v of views) v.stop()
})

async function register(account: Address): Promise<bigint> {
  const meterId = keccak256(stringToHex(`meter of ${account}`))
  return (await chain.write(chain.dev.operator.privateKey, 'register', [account, meterId])).blockNumber
}
/** Mines `n` empty blocks, stamped a second apart after the head (so a replaced block never has the old hash). */
async function mine(n: number): Promise<void> {
  await test.setNextBlockTimestamp({ timestamp: (await chain.pub.getBlock()).timestamp + 7n })
  await test.mine({ blocks: n, interval: 1 })
}

async function startView(confirmations: number): Promise<{ view: ChainView; metrics: Registry }> {
  const metrics = new Registry()
  const view = chainView({
    rpcUrl: chain.dev.rpcUrl,
    chainId: chain.dev.chainId,
    settlement: chain.dev.settlement,
    clock: systemClock(),
    time: TIME,
    store: openStore(':memory:'),
    pollMs: 20,
    confirmations,
    logger: pino({ level: 'silent' }),
    metrics,
  })
  await view.start()
  views.push(view)
  return { view, metrics }
}
const metric = async (metrics: Registry, name: string) =>
  (await metrics.getSingleMetric(name)!.get()).values[0]?.value ?? 0

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Waits until the view has applied the chain up to `head − confirmations` (its confirmed-block gauge), then for
 * several more polls (20 ms each), so that a view reading deeper than it should would have done so by then.
 */
async function caughtUp(metrics: Registry, confirmations: number): Promise<void> {
  const target = Number(await chain.pub.getBlockNumber({ cacheTime: 0 })) - confirmations
  const end = Date.now() + 10_000
  while ((await metric(metrics, 'gridlet_registry_confirmed_block')) < target) {
    if (Date.now() > end) throw new Error(`the view never reached block ${target}`)
    await sleep(20)
  }
  await sleep(200)
}

/** Every account the view ever counted as registered, sampled every 5 ms (a change applied even briefly shows). */
function watch(view: ChainView, accounts: readonly Address[]): { seen: Set<Address>; stop(): void } {
  const seen = new Set<Address>()
  const timer = setInterval(() => {
    for (const a of accounts) if (view.registry.has(a)) seen.add(a)
  }, 5)
  return { seen, stop: () => clearInterval(timer) }
}

describe('registry events at a confirmation depth', () => {
  it('never applies a registration whose block a reorg drops, and applies a confirmed one from its boundary', async () => {
    const keys = devKeys(40)
    const [dropped, kept] = [keys[38]!, keys[39]!]
    const { view, metrics } = await startView(2)
    const w = watch(view, [dropped.address, kept.address])
    const snapshot = (await test.snapshot()) as Hex
    const block = await register(dropped.address)
    await mine(1) // the registration is 2 blocks deep counting its own: one short of being applied
    await caughtUp(metrics, 2)
    expect(view.registry.has(dropped.address)).toBe(false)
    // The reorg: the registration's block and the one above it are replaced by 3 empty blocks.
    await test.revert({ id: snapshot })
    await mine(3)
    await caughtUp(metrics, 2)
    const head = await chain.pub.getBlockNumber({ cacheTime: 0 })
    expect(head).toBeGreaterThan(block)
    const onChain = await readRegistryChanges(chain.pub, {
      settlement: chain.dev.settlement,
      fromBlock: 0n,
      toBlock: head,
    })
    expect(onChain.some((c) => c.kind === 'register' && c.account === dropped.address)).toBe(false)
    expect(view.registry.has(dropped.address)).toBe(false)
    expect(await metric(metrics, 'gridlet_registry_reorgs_total')).toBe(0) // the depth covered it: nothing to undo

    const at = await register(kept.address)
    await caughtUp(metrics, 2)
    expect(view.registry.has(kept.address)).toBe(false) // 1 block deep
    await mine(2)
    await caughtUp(metrics, 2)
    w.stop()
    expect(view.registry.has(kept.address)).toBe(true)
    const boundary = registryBoundary((await chain.pub.getBlock({ blockNumber: at })).timestamp, {
      intervalLength: TIME.lengthS,
      gateClosure: TIME.gateClosureS,
    })
    expect(view.householdsFor(boundary).has(kept.address)).toBe(true)
    expect(view.householdsFor(boundary - 1n).has(kept.address)).toBe(false) // depth delays seeing, not the boundary
    expect([...w.seen]).toEqual([kept.address])
  })

  it('a reorg deeper than the depth is detected, counted, and the change it dropped is undone', async () => {
    const account = devKeys(42)[41]!
    const { view, metrics } = await startView(0)
    const snapshot = (await test.snapshot()) as Hex
    await register(account.address)
    await caughtUp(metrics, 0)
    expect(view.registry.has(account.address)).toBe(true)
    await test.revert({ id: snapshot })
    await mine(2)
    const end = Date.now() + 10_000
    while ((await metric(metrics, 'gridlet_registry_reorgs_total')) < 1 && Date.now() < end) {
      await sleep(20)
    }
    await caughtUp(metrics, 0)
    expect(await metric(metrics, 'gridlet_registry_reorgs_total')).toBe(1)
    expect(view.registry.has(account.address)).toBe(false)
    expect(view.registry.has(chain.dev.households[0]!.address)).toBe(true) // the rest of the registry read again
  })

  it('refuses to start when confirmations x block time + pollS is not below the interval', async () => {
    await test.mine({ blocks: 40, interval: 500 }) // a 500 s block time: 2 confirmations take 1000 s > 900 s
    const config = (registryConfirmations: number) =>
      parseConfig(
        {
          market: {
            id: chain.dev.market,
            chainId: chain.dev.chainId,
            contract: chain.dev.settlement,
            intervalS: 900,
            gateClosureS: 60,
          },
          meter: { kind: 'simulated' },
          p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false },
          chain: { rpcUrl: chain.dev.rpcUrl, registryConfirmations },
          http: { port: 0 },
          store: { path: 'node.sqlite' },
        },
        mkdtempSync(join(tmpdir(), 'gridlet-depth-')),
      )
    const err = await startNode({
      config: config(2),
      privateKey: chain.dev.households[0]!.privateKey,
      logger: pino({ level: 'silent' }),
    }).catch((e) => e)
    expect(err).toMatchObject({ code: 'CHAIN_INVALID', field: 'chain.registryConfirmations' })
    expect(err.details).toMatch(/2 x block time 500\.0 s .* not below market\.intervalS 900 s/)
    // One confirmation (505 s) fits: the view starts.
    await expect(startView(1)).resolves.toBeDefined()
  })
})
