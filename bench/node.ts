/**
 * bench:node — one household node against the meter simulator (Modbus TCP), two peer nodes (libp2p on loopback) and
 * anvil, for 30 simulated minutes at 60x, then idle at real time for 60 s. Prints the node's steady RSS and its idle
 * CPU share of one core. The measured node runs in its own process (this file with --child) from an esbuild bundle,
 * as a deployed node runs from a build: under the tsx loader a process carries ~65 MB more (loader thread, in-memory
 * transforms), which is development overhead, not the node's. It gets the V8 flags the systemd unit sets
 * (--max-semi-space-size=1). The chain, simulators and peers run in this process.
 *
 *   npm run bench:node            readable table
 *   npm run bench:node -- --json  {"bench":"node","rssMb":..,"idleCpuPct":..}
 *   --sim-min N / --idle-s N      shorter runs while developing
 *   --tsx                         run the node from source under the tsx loader instead (development setup)
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { build } from 'esbuild'
import pino from 'pino'
import type { Hex } from 'viem'
import { freePort } from '../src/chain/anvil.js'
import { startDevChain } from '../src/chain/devChain.js'
import { parseConfig } from '../src/config/loadConfig.js'
import { type Clock, sleepOnTimers } from '../src/core/time/clock.js'
import { intervalAt, intervalStartMs, marketTime } from '../src/core/time/interval.js'
import { startMeterSimulator, syntheticSource } from '../src/meter/index.js'
import { type RunningNode, startNode } from '../src/node/startNode.js'
import { derivePeerKey } from '../src/p2p/createMarketNode.js'
import { devMarketSection } from '../test/support/devMarket.js'

const args = process.argv.slice(2)
const flag = (name: string, dflt: number) => {
  const i = args.indexOf(name)
  return i >= 0 ? Number(args[i + 1]) : dflt
}
const SPEED = 60
const SIM_MIN = flag('--sim-min', 30)
const IDLE_S = flag('--idle-s', 60)
const TIME = marketTime({ lengthS: 300, gateClosureS: 60, maxSkewS: 5 })

/** Accelerated until `fastForMs` of simulated time has passed, then real time; anchored to wall time so that
 * several processes share it. */
function phasedClock(startMs: number, real0: number, speed: number, fastForMs: number): Clock {
  const switchReal = real0 + fastForMs / speed
  const now = () => {
    const r = Date.now()
    return Math.floor(r < switchReal ? startMs + (r - real0) * speed : startMs + fastForMs + (r - switchReal))
  }
  const sleepUntil = (atMs: number, signal?: AbortSignal) =>
    sleepOnTimers(now, atMs, () => (Date.now() < switchReal ? speed : 1), signal)
  return { now, sleepUntil }
}

interface Shared {
  start: number
  real0: number
  configs: unknown[]
  dirs: string[]
  keys: Hex[]
}

function household(shared: Shared, i: number, clock: Clock, logLevel: string): Promise<RunningNode> {
  return startNode({
    config: parseConfig(shared.configs[i], shared.dirs[i]!),
    privateKey: shared.keys[i]!,
    clock,
    logger: pino({ level: logLevel }),
  })
}

async function child(): Promise<void> {
  const shared = JSON.parse(readFileSync(args[args.indexOf('--child') + 1]!, 'utf8')) as Shared
  const clock = phasedClock(shared.start, shared.real0, SPEED, SIM_MIN * 60_000)
  const running = await household(shared, 0, clock, 'warn')
  process.send?.({ ready: running.http.url })
  process.once('SIGTERM', () => void running.stop().then(() => process.exit(0)))
}

function procStat(pid: number): { cpuTicks: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const cpuTicks = Number(fields[11]) + Number(fields[12]) // utime + stime, in USER_HZ (100 on Linux)
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
  return { cpuTicks, rssMb: rssKb / 1024 }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const round = (x: number) => Math.round(x * 100) / 100

async function main(): Promise<void> {
  const json = args.includes('--json')
  const dev = await startDevChain({ households: 3 })
  const day = Math.floor(Date.now() / 86_400_000) + 1
  const start = intervalStartMs(TIME, intervalAt(TIME, day * 86_400_000 + 11 * 3_600_000)) // tomorrow 11:00 UTC
  const real0 = Date.now() + 3000 // leave time to start the processes
  const clock = phasedClock(start, real0, SPEED, SIM_MIN * 60_000)
  const ports = [await freePort(), await freePort(), await freePort()]
  const peerIds = await Promise.all(
    dev.households.map(async (h) => peerIdFromPrivateKey(await derivePeerKey(h.privateKey)).toString()),
  )
  const sims = await Promise.all(
    [6000, 0, 1500].map((pvPeakW) =>
      startMeterSimulator({ profile: 'sdm630', clock, source: syntheticSource({ startMs: start, pvPeakW }) }),
    ),
  )
  const shared: Shared = {
    start,
    real0,
    keys: dev.households.map((h) => h.privateKey),
    dirs: [0, 1, 2].map((i) => mkdtempSync(join(tmpdir(), `gridlet-bench-node-${i}-`))),
    configs: [0, 1, 2].map((i) => ({
      market: devMarketSection(dev, TIME),
      meter: { port: sims[i]!.port, pollS: 10 },
      p2p: {
        listen: [`/ip4/127.0.0.1/tcp/${ports[i]}`],
        bootstrap: [0, 1, 2].filter((j) => j !== i).map((j) => `/ip4/127.0.0.1/tcp/${ports[j]}/p2p/${peerIds[j]}`),
        mdns: false,
      },
      chain: { rpcUrl: dev.rpcUrl, retryS: 5 },
      http: { port: 0 },
      store: { path: 'node.sqlite' },
      log: { level: 'warn' },
    })),
  }
  const sharedFile = join(shared.dirs[0]!, 'bench.json')
  writeFileSync(sharedFile, JSON.stringify(shared))

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
  // The V8 flags of the deployment (deploy/gridlet.service sets them in NODE_OPTIONS).
  const flags = ['--max-semi-space-size=1']
  const entry = args.includes('--tsx') ? ['--import', 'tsx', import.meta.filename] : [bundle]
  const node = spawn(process.execPath, [...flags, ...entry, '--child', sharedFile, ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  })
  const url = await new Promise<string>((resolve, reject) => {
    node.once('message', (m: { ready: string }) => resolve(m.ready))
    node.once('exit', (code) => reject(new Error(`node exited with ${code}`)))
  })
  const peers = [await household(shared, 1, clock, 'silent'), await household(shared, 2, clock, 'silent')]

  // Active phase: accelerated trading; sample RSS as it goes.
  let peakRss = 0
  while (Date.now() < real0 + (SIM_MIN * 60_000) / SPEED) {
    await sleep(1000)
    peakRss = Math.max(peakRss, procStat(node.pid!).rssMb)
  }
  const status = (await (await fetch(`${url}/api/status`)).json()) as {
    orders: unknown[]
    trades: unknown[]
    peers: number
    settlement: { pending: number }
  }
  // Idle phase at real time: CPU share over the window, RSS at its end (steady state).
  await sleep(2000)
  const a = procStat(node.pid!)
  const t0 = performance.now()
  await sleep(IDLE_S * 1000)
  const b = procStat(node.pid!)
  const idleCpuPct = ((b.cpuTicks - a.cpuTicks) * 10 * 100) / (performance.now() - t0)
  node.kill('SIGTERM')
  await new Promise((r) => node.once('exit', r))
  await Promise.all(peers.map((p) => p.stop()))
  await Promise.all(sims.map((s) => s.close()))
  await dev.stop()

  const row = { bench: 'node', rssMb: round(b.rssMb), idleCpuPct: round(idleCpuPct) }
  if (json) return console.log(JSON.stringify(row))
  console.table({
    'steady RSS (MB)': { value: row.rssMb, target: '< 150' },
    'peak RSS, active phase (MB)': { value: round(peakRss), target: '' },
    'idle CPU (% of one core)': { value: row.idleCpuPct, target: '< 2' },
    'orders placed (active phase)': { value: status.orders.length, target: '' },
    'trades (active phase)': { value: status.trades.length, target: '' },
    'market peers': { value: status.peers, target: '' },
  })
}

if (args.includes('--child')) await child()
else await main()
