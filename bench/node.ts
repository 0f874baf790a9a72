/**
 * bench:node — one household node for 30 simulated minutes at an accelerated clock (60x), then idle at real time
 * for 60 s; prints the node's steady RSS and its idle CPU share of one core. The node runs in a child process (this
 * file with --child) so that the meter simulator, peers and chain around it are not counted.
 *
 *   npm run bench:node            readable table
 *   npm run bench:node -- --json  {"bench":"node","rssMb":..,"idleCpuPct":..}
 *   --idle-s N / --sim-min N      shorter runs while developing
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { build } from 'esbuild'
import pino from 'pino'
import { parseConfig } from '../src/config/loadConfig.js'
import type { Clock } from '../src/core/time/clock.js'
import { startNode } from '../src/node/startNode.js'

const args = process.argv.slice(2)
const flag = (name: string, dflt: number) => {
  const i = args.indexOf(name)
  return i >= 0 ? Number(args[i + 1]) : dflt
}
const SPEED = 60
const SIM_MIN = flag('--sim-min', 30)
const IDLE_S = flag('--idle-s', 60)
const START = Date.UTC(2026, 5, 1, 11) // late morning: PV surplus, the node trades

/** Accelerated until `fastForMs` of simulated time has passed, then real time. */
function phasedClock(startMs: number, speed: number, fastForMs: number): Clock {
  const real0 = performance.now()
  const switchReal = real0 + fastForMs / speed
  const now = () => {
    const r = performance.now()
    return Math.floor(r < switchReal ? startMs + (r - real0) * speed : startMs + fastForMs + (r - switchReal))
  }
  const sleepUntil = (atMs: number, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      let timer: NodeJS.Timeout
      const onAbort = () => {
        clearTimeout(timer)
        reject(signal?.reason)
      }
      const tick = () => {
        const left = atMs - now()
        if (left <= 0) {
          signal?.removeEventListener('abort', onAbort)
          return resolve()
        }
        const speedNow = performance.now() < switchReal ? speed : 1
        timer = setTimeout(tick, Math.max(1, Math.ceil(left / speedNow)))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      tick()
    })
  return { now, sleepUntil }
}

async function child(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gridlet-bench-node-'))
  const config = parseConfig(
    {
      market: { name: 'bench', intervalS: 300, gateClosureS: 30 },
      meter: { kind: 'simulated', pollS: 10 },
      http: { port: 0 },
      store: { path: 'node.sqlite' },
      chain: { submit: 'none' },
      log: { level: 'warn' },
    },
    dir,
  )
  const running = await startNode({
    config,
    privateKey: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
    clock: phasedClock(START, SPEED, SIM_MIN * 60_000),
    logger: pino({ level: 'warn' }),
  })
  process.send?.({ ready: running.http.url })
  process.once('SIGTERM', () => void running.stop().then(() => process.exit(0)))
}

function procStat(pid: number): { cpuTicks: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const cpuTicks = Number(fields[11]) + Number(fields[12]) // utime + stime
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
  return { cpuTicks, rssMb: rssKb / 1024 }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function main(): Promise<void> {
  const json = args.includes('--json')
  // Same depth below the repo as src/<x>/ so that paths resolved from import.meta.url (meters/) still hold.
  const bundle = resolve(import.meta.dirname, '../results/.bench-node/node.mjs')
  await build({
    entryPoints: [import.meta.filename],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: bundle,
    logLevel: 'warning',
  })
  const node = spawn(process.execPath, [bundle, '--child', ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  })
  const url = await new Promise<string>((resolve, reject) => {
    node.once('message', (m: { ready: string }) => resolve(m.ready))
    node.once('exit', (code) => reject(new Error(`node exited with ${code}`)))
  })
  // Active phase: accelerated trading; sample RSS as it goes.
  const fastRealMs = (SIM_MIN * 60_000) / SPEED
  let peakRss = 0
  for (let t = 0; t < fastRealMs; t += 1000) {
    await sleep(1000)
    peakRss = Math.max(peakRss, procStat(node.pid!).rssMb)
  }
  const status = (await (await fetch(`${url}/api/status`)).json()) as { orders: unknown[]; peers: number }
  // Idle phase at real time: CPU share over the window, RSS at its end (steady state).
  await sleep(2000)
  const hz = 100 // USER_HZ on Linux
  const a = procStat(node.pid!)
  const t0 = performance.now()
  await sleep(IDLE_S * 1000)
  const b = procStat(node.pid!)
  const idleCpuPct = (((b.cpuTicks - a.cpuTicks) / hz) * 1000 * 100) / (performance.now() - t0)
  node.kill('SIGTERM')
  await new Promise((r) => node.once('exit', r))
  const row = { bench: 'node', rssMb: round(b.rssMb), idleCpuPct: round(idleCpuPct) }
  if (json) {
    console.log(JSON.stringify(row))
    return
  }
  console.table({
    'steady RSS (MB)': { value: row.rssMb, target: '< 150' },
    'peak RSS, active phase (MB)': { value: round(peakRss), target: '' },
    'idle CPU (% of one core)': { value: row.idleCpuPct, target: '< 2' },
    'orders placed (active phase)': { value: status.orders.length, target: '' },
    peers: { value: status.peers, target: '' },
  })
}

const round = (x: number) => Math.round(x * 100) / 100

if (args.includes('--child')) await child()
else await main()
