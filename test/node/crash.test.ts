import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { createPublicClient, type Hex, http } from 'viem'
import { getContractEvents, readContract } from 'viem/actions'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { localChain, settlementAbi } from '../../src/chain/contracts.js'
import { type DevChain, startDevChain } from '../../src/chain/devChain.js'
import { followClock } from '../../src/chain/followClock.js'
import { acceleratedClock } from '../../src/core/time/clock.js'

const CHILD = join(import.meta.dirname, 'crashChild.ts')
const MAIN = join(import.meta.dirname, '../../src/cli/main.ts')
const POINTS = [
  'after-reading-store',
  'before-decision-store',
  'after-decision-store',
  'after-publish',
  'after-result-store',
  'before-handoff',
  'after-handoff',
  'batcher-signed',
]

interface Run {
  child: ChildProcess
  out: string[]
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Resolves when the node is up (its API answers); a loaded machine may take many seconds to get there. */
  ready: Promise<void>
}

function start(dir: string, chain: Record<string, string>, crashAt?: string): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, ...chain, DATA_DIR: dir, SPEED: '60', NODE_NO_WARNINGS: '1' }
  if (crashAt) env.GRIDLET_CRASH_AT = crashAt
  else delete env.GRIDLET_CRASH_AT
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const out: string[] = []
  let buf = ''
  let up: () => void = () => {}
  const ready = new Promise<void>((r) => {
    up = r
  })
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString()
    const lines = buf.split('\n')
    buf = lines.pop()!
    out.push(...lines)
    if (lines.some((l) => l.includes('"msg":"ready"'))) up()
  })
  child.stderr!.resume()
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  return { child, out, exit, ready }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Acknowledged readings: those the node logged as stored (the log line follows the committed insert). */
const acked = (out: string[]) =>
  out.filter((l) => l.includes('"reading stored"')).map((l) => JSON.parse(l).ts as number)

describe('crash recovery: kill -9 at named points and at random times (settling on anvil)', () => {
  let dev: DevChain
  beforeAll(async () => {
    // crashChild's market: 60 s intervals, gate closure 10 s.
    dev = await startDevChain({ households: 2, timing: { intervalLength: 60, gateClosure: 10 } })
  }, 60_000)
  afterAll(() => dev?.stop())

  it('resumes, never equivocates, never pays twice, loses no acknowledged reading', { timeout: 400_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridlet-crash-'))
    // Tomorrow noon: signed expiries lie ahead of anvil's (real) block time.
    const chain = {
      T0: String((Math.floor(Date.now() / 86_400_000) + 1) * 86_400_000 + 12 * 3_600_000),
      RPC_URL: dev.rpcUrl,
      CHAIN_ID: String(dev.chainId),
      SETTLEMENT: dev.settlement,
      MARKET: dev.market,
      KEY0: dev.households[0]!.privateKey,
      KEY1: dev.households[1]!.privateKey,
    }
    const client = createPublicClient({ chain: localChain(dev.chainId, dev.rpcUrl), transport: http(dev.rpcUrl) })
    const balance = (account: Hex) =>
      readContract(client, { address: dev.settlement, abi: settlementAbi, functionName: 'balanceOf', args: [account] })
    const before = await balance(dev.households[0]!.address)
    // The nodes' market clock runs 60x from T0 (as crashChild's): the chain's block time follows it, since the
    // contract pays an interval only once it has begun in block time.
    const unfollow = followClock(dev.rpcUrl, acceleratedClock({ startMs: Number(chain.T0), speed: 60 }))
    onTestFinished(unfollow)
    const ackedTs: number[] = []
    const killedAt: string[] = []
    for (const point of POINTS) {
      const run = start(dir, chain, point)
      await Promise.race([run.ready, run.exit])
      const deadline = sleep(8000).then(() => 'timeout' as const)
      const r = await Promise.race([run.exit, deadline])
      if (r === 'timeout') run.child.kill('SIGKILL')
      else if (r.signal === 'SIGKILL') killedAt.push(point)
      await run.exit
      ackedTs.push(...acked(run.out))
    }
    // Random-time kills, then a clean run ended by SIGTERM.
    let seed = 7
    for (let i = 0; i < 5; i++) {
      seed = (seed * 48271) % 2147483647
      const run = start(dir, chain)
      await run.ready
      await sleep(300 + (seed % 1500))
      run.child.kill('SIGKILL')
      await run.exit
      ackedTs.push(...acked(run.out))
    }
    const last = start(dir, chain)
    await last.ready
    await sleep(8000)
    // `gridlet status` asks the running node over its local API.
    const url = last.out.map((l) => /"msg":"ready","url":"([^"]+)"/.exec(l)?.[1]).find(Boolean)!
    const status = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'status', '--url', url], {
      encoding: 'utf8',
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    })
    expect(status.stdout).toMatch(/status\s+(ok|degraded)/)
    expect(status.stdout).toContain(dev.households[0]!.address)
    last.child.kill('SIGTERM')
    const ended = await last.exit
    ackedTs.push(...acked(last.out))
    expect(ended.code).toBe(0) // graceful shutdown

    expect(existsSync(join(dir, 'node.sqlite-wal'))).toBe(false) // clean shutdown checkpointed the WAL
    expect(killedAt).toEqual(POINTS)
    const node = new DatabaseSync(join(dir, 'node.sqlite'), { readOnly: true })
    // 1. No acknowledged reading lost.
    const stored = new Set(
      node
        .prepare('SELECT ts FROM readings')
        .all()
        .map((r) => Number(r.ts)),
    )
    expect(ackedTs.length).toBeGreaterThan(50)
    expect(ackedTs.filter((ts) => !stored.has(ts))).toEqual([])
    // 2. Never two different orders for one (interval, nonce) on the wire.
    const wire = readFileSync(join(dir, 'wire.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    const bySlot = new Map<string, Set<string>>()
    for (const w of wire) {
      const slot = `${w.interval}:${w.nonce}`
      bySlot.set(slot, (bySlot.get(slot) ?? new Set()).add(w.id))
    }
    expect([...bySlot.values()].filter((ids) => ids.size > 1)).toEqual([])
    // 3. Never paid twice: one Settled event per interval, and the seller's escrow grew by exactly what its settled
    //    intervals owe it (each once), nothing more.
    const events = await getContractEvents(client, {
      address: dev.settlement,
      abi: settlementAbi,
      eventName: 'Settled',
      fromBlock: 0n,
    })
    const settledIntervals = events.map((e) => Number((e.args as { interval: bigint }).interval))
    expect(new Set(settledIntervals).size).toBe(settledIntervals.length)
    expect(settledIntervals.length).toBeGreaterThanOrEqual(3)
    const owed = settledIntervals.reduce((sum, k) => {
      const row = node.prepare('SELECT result FROM results WHERE interval = ?').get(k)
      const trades = JSON.parse(row!.result as string).trades as { amount: string }[]
      return sum + trades.reduce((s2, t) => s2 + BigInt(t.amount), 0n)
    }, 0n)
    expect(owed).toBeGreaterThan(0n)
    expect((await balance(dev.households[0]!.address)) - before).toBe(owed)
    const handedOff = node.prepare("SELECT count(*) n FROM results WHERE status = 'queued'").get()!.n
    expect(Number(handedOff)).toBeGreaterThanOrEqual(settledIntervals.length) // settled only what was handed off
    // 4. Resumed: the node kept deciding and settling across all restarts.
    const decisions = Number(node.prepare('SELECT count(*) n FROM decisions').get()!.n)
    expect(decisions).toBeGreaterThanOrEqual(8)
  })
})
