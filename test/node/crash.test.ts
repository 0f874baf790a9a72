import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { describe, expect, it } from 'vitest'

const CHILD = join(import.meta.dirname, 'crashChild.ts')
const POINTS = [
  'after-reading-store',
  'before-decision-store',
  'after-decision-store',
  'after-publish',
  'after-result-store',
  'before-handoff',
  'after-handoff',
  'before-submit',
  'after-submit',
]

interface Run {
  child: ChildProcess
  out: string[]
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

function start(dir: string, crashAt?: string): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, SPEED: '60', NODE_NO_WARNINGS: '1' }
  if (crashAt) env.GRIDLET_CRASH_AT = crashAt
  else delete env.GRIDLET_CRASH_AT
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const out: string[] = []
  let buf = ''
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString()
    const lines = buf.split('\n')
    buf = lines.pop()!
    out.push(...lines)
  })
  child.stderr!.resume()
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  return { child, out, exit }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Acknowledged readings: those the node logged as stored (the log line follows the committed insert). */
const acked = (out: string[]) =>
  out.filter((l) => l.includes('"reading stored"')).map((l) => JSON.parse(l).ts as number)

describe('crash recovery: kill -9 at named points and at random times', () => {
  it('resumes, never equivocates, never pays twice, loses no acknowledged reading', { timeout: 110_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridlet-crash-'))
    const ackedTs: number[] = []
    const killedAt: string[] = []
    for (const point of POINTS) {
      const run = start(dir, point)
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
      const run = start(dir)
      await sleep(900 + (seed % 1500))
      run.child.kill('SIGKILL')
      await run.exit
      ackedTs.push(...acked(run.out))
    }
    const last = start(dir)
    await sleep(5000)
    last.child.kill('SIGTERM')
    const ended = await last.exit
    ackedTs.push(...acked(last.out))
    expect(ended.code).toBe(0) // graceful shutdown

    expect(existsSync(join(dir, 'node.sqlite-wal'))).toBe(false) // clean shutdown checkpointed the WAL
    expect(killedAt).toEqual(POINTS)
    const node = new DatabaseSync(join(dir, 'node.sqlite'), { readOnly: true })
    const chain = new DatabaseSync(join(dir, 'chain.sqlite'), { readOnly: true })
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
    // 3. Never paid twice: every trade appears in one payment; every handed-off interval is paid.
    const payments = chain.prepare('SELECT key, trades FROM payments').all()
    const tradeKeys = payments.flatMap((p) =>
      (JSON.parse(p.trades as string) as { buyId: string; sellId: string }[]).map((t) => `${t.buyId}:${t.sellId}`),
    )
    expect(new Set(tradeKeys).size).toBe(tradeKeys.length)
    const queued = node.prepare("SELECT count(*) n FROM results WHERE status = 'queued'").get()!.n
    expect(Number(queued)).toBeGreaterThanOrEqual(3)
    expect(payments.length).toBe(Number(queued))
    // 4. Resumed: the node kept deciding and settling across all restarts.
    const decisions = Number(node.prepare('SELECT count(*) n FROM decisions').get()!.n)
    expect(decisions).toBeGreaterThanOrEqual(8)
  })
})
