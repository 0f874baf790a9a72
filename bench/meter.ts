/**
 * `npm run bench:meter [-- --json] [-- --duration 3000]`
 *
 * Reader throughput and latency against the meter simulator over Modbus TCP on loopback. The simulators run in a
 * child process so reader and server do not share an event loop. Cases:
 * - sdm630-tcp-10dev: 10 SDM630s on 10 links, each read back-to-back (target >= 500 readings/s, 1 request/reading);
 * - sdm630-tcp-1dev: one device, for latency without contention;
 * - baseline-modbus-serial-10dev: the same reads with the bare modbus-serial client (its promise API,
 *   readInputRegisters 0..75, decoded with the same read plan), i.e. what gridlet's link, checks and guards cost on
 *   top of the library it is built on. `vsBaseline` of the 10-device case compares the two interleaved request by
 *   request on the same devices at the same time (see `versusBaseline`), so that load from other processes on a
 *   shared machine falls on both alike; `readingsPerSecond` of each case is from a run of that side alone. The
 *   baseline case's `vsItself` is the same comparison of the baseline with a second set of its own clients, i.e.
 *   how far from 1 the comparison reads under this run's load when there is no difference. `cpuUsPerReading`: the
 *   reader process's CPU time per reading in a case's own run (the simulators run in the child process);
 * - sunspec-tcp-1dev: steady-state requests per SunSpec reading (meter model + inverter model, after discovery);
 * - recovery-server-restart: the server is closed for 500 ms and restarted; time from restart to the next good
 *   reading, worst of 3 (target <= 2000 ms).
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import modbusSerial from 'modbus-serial'
import type { ModbusRTU as ModbusClient } from 'modbus-serial/ModbusRTU.js'
import {
  createLink,
  loadProfile,
  type Meter,
  type MeterSimulator,
  openMeter,
  startMeterSimulator,
} from '../src/meter/index.js'
import { registersPlan } from '../src/meter/meterSource.js'
import { planDecoder } from '../src/meter/plan.js'
import { emptyDecoded, QUANTITY_INDEX } from '../src/meter/types.js'

const DEVICES = 10
/** Alternating rounds of the ours-vs-baseline comparison (per side); each adjacent pair gives one ratio. */
const ROUNDS = 64
// modbus-serial is CommonJS: its module object is the client class at run time.
const ModbusRTU = modbusSerial as unknown as new () => ModbusClient

if (process.argv.includes('--serve')) await serve()
else await main()

/** Child process: N simulators; restarts one on request. */
async function serve(): Promise<void> {
  const sims: MeterSimulator[] = []
  for (let i = 0; i < DEVICES; i++) sims.push(await startMeterSimulator({ profile: 'sdm630', port: 0 }))
  const sunspec = await startMeterSimulator({
    profile: 'sunspec',
    port: 0,
    source: undefined,
    sunspec: { pvModel: 103 },
  })
  process.send!({ ports: sims.map((s) => s.port), sunspecPort: sunspec.port })
  process.on('message', async (msg: { restart?: number; downMs?: number; exit?: boolean }) => {
    if (msg.exit) {
      await Promise.all([...sims, sunspec].map((s) => s.close()))
      process.exit(0)
    }
    if (msg.restart !== undefined) {
      const i = msg.restart
      const port = sims[i]!.port
      await sims[i]!.close()
      await new Promise((r) => setTimeout(r, msg.downMs))
      sims[i] = await startMeterSimulator({ profile: 'sdm630', port })
      process.send!({ restarted: i })
    }
  })
}

interface Result {
  case: string
  devices: number
  readings: number
  durationMs: number
  readingsPerSecond: number
  requestsPerReading: number
  p50Ms: number
  p99Ms: number
  recoveryMs?: number
  vsBaseline?: number
  /** CPU time of the reader process per reading (the simulators run in the child), microseconds. */
  cpuUsPerReading?: number
  /** Baseline case: the interleaved comparison of the baseline with itself (the comparison's own error). */
  vsItself?: number
  errors: number
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json')
  const durationArg = process.argv.indexOf('--duration')
  const durationMs = durationArg > 0 ? Number(process.argv[durationArg + 1]) : 3000
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: process.execArgv, stdio: 'inherit' })
  const ready = await nextMessage<{ ports: number[]; sunspecPort: number }>(child)
  const results: Result[] = []
  try {
    const vs = await versusBaseline(ready.ports, durationMs)
    const tenDevices = await throughput('sdm630-tcp-10dev', ready.ports, durationMs)
    results.push({ ...tenDevices, vsBaseline: vs.ratio, errors: tenDevices.errors + vs.errors })
    results.push(await throughput('sdm630-tcp-1dev', ready.ports.slice(0, 1), durationMs))
    const itself = await baselineVsItself(ready.ports, durationMs)
    const baseline = await baselineThroughput(ready.ports, durationMs)
    results.push({ ...baseline, vsItself: itself.ratio, errors: baseline.errors + itself.errors })
    results.push(await throughput('sunspec-tcp-1dev', [ready.sunspecPort], durationMs, 'sunspec'))
    results.push(await recovery(child, ready.ports[0]!))
  } finally {
    child.send({ exit: true })
  }
  if (json) for (const r of results) console.log(JSON.stringify({ bench: 'meter', ...r }))
  else printTable(results)
}

/** Work done by one side in some time. */
interface Sample {
  latencies: number[]
  errors: number
  elapsedMs: number
  requests: number
}

/** Runs `readOnce` back-to-back on every device for `durationMs`. */
async function drive(readers: (() => Promise<void>)[], durationMs: number): Promise<Sample> {
  const latencies: number[] = []
  let errors = 0
  const started = performance.now()
  const end = started + durationMs
  await Promise.all(
    readers.map(async (readOnce) => {
      while (performance.now() < end) {
        const t = performance.now()
        try {
          await readOnce()
          latencies.push(performance.now() - t)
        } catch {
          errors++
        }
      }
    }),
  )
  return { latencies, errors, elapsedMs: performance.now() - started, requests: 0 }
}

function gridletMeters(ports: number[], profile = 'sdm630') {
  const links = ports.map((port) => createLink({ transport: 'tcp', host: '127.0.0.1', port }))
  const meters = links.map((link) =>
    openMeter(link, { profile, unitId: 1, pv: profile === 'sunspec' ? {} : undefined }),
  )
  const requests = (ms: Meter[]) => ms.reduce((s, m) => s + m.stats.requests, 0)
  return {
    meters,
    /** Drives the meters for `durationMs`, counting their Modbus requests. */
    async run(durationMs: number): Promise<Sample> {
      const before = requests(meters)
      const sample = await drive(
        meters.map((m) => async () => {
          await m.read()
        }),
        durationMs,
      )
      return { ...sample, requests: requests(meters) - before }
    },
    close: () => Promise.all(links.map((l) => l.close())),
  }
}

async function throughput(name: string, ports: number[], durationMs: number, profile = 'sdm630'): Promise<Result> {
  const side = gridletMeters(ports, profile)
  await Promise.all(side.meters.map((m) => m.read())) // connect (and discover) before timing
  const cpu = process.cpuUsage()
  const s = await side.run(durationMs)
  const cpuUsPerReading = cpuPer(process.cpuUsage(cpu), s)
  await side.close()
  return { ...summary(name, ports.length, s.latencies, s.elapsedMs, s.requests, s.errors), cpuUsPerReading }
}

async function baselineThroughput(ports: number[], durationMs: number): Promise<Result> {
  const side = await modbusSerialClients(ports)
  await side.run(300)
  const cpu = process.cpuUsage()
  const s = await side.run(durationMs)
  const cpuUsPerReading = cpuPer(process.cpuUsage(cpu), s)
  await side.close()
  return {
    ...summary('baseline-modbus-serial-10dev', ports.length, s.latencies, s.elapsedMs, s.requests, s.errors),
    cpuUsPerReading,
  }
}

/** The reader process's CPU time (user + system, GC included) per good reading of a run, microseconds. */
function cpuPer(used: NodeJS.CpuUsage, s: Sample): number {
  return s.latencies.length ? round((used.user + used.system) / s.latencies.length, 1) : 0
}

/**
 * The same SDM630 reads through bare modbus-serial: one client per device, one 76-register read, the same decoder
 * as gridlet's (built once, decoding into one array per client, as a meter does).
 */
async function modbusSerialClients(ports: number[]) {
  const decoder = planDecoder(registersPlan(loadProfile('sdm630') as Parameters<typeof registersPlan>[0]))
  const clients = await Promise.all(
    ports.map(async (port) => {
      const client = new ModbusRTU()
      client.setTimeout(1000)
      await client.connectTCP('127.0.0.1', { port })
      client.setID(1)
      return client
    }),
  )
  const readers = clients.map((client) => {
    const values = emptyDecoded()
    return async () => {
      const { buffer } = await client.readInputRegisters(0, 76)
      decoder.decode([buffer], values)
      if (!Number.isFinite(values[QUANTITY_INDEX.activePowerW])) throw new Error('bad value')
    }
  })
  return {
    readers,
    async run(durationMs: number): Promise<Sample> {
      const sample = await drive(readers, durationMs)
      return { ...sample, requests: sample.latencies.length + sample.errors }
    },
    close: () => Promise.all(clients.map((c) => new Promise((resolve) => c.close(resolve)))),
  }
}

/**
 * gridlet and bare modbus-serial reading 10 SDM630s, interleaved request by request: each device has one gridlet
 * meter and one modbus-serial client on its simulator and reads through them in turn (ours then the baseline, then
 * the baseline then ours, ...), timing each read; all devices run at once. So both sides always share the same
 * instant's load, concurrency and simulator, and `vsBaseline` compares like with like: for each of `ROUNDS` slices
 * of the run the baseline's mean read time over ours (with back-to-back reads, latency is the inverse of
 * throughput), and the median over the slices. The `readingsPerSecond` of both cases come from separate runs of
 * each side alone (`throughput`).
 */
async function versusBaseline(ports: number[], durationMs: number): Promise<{ ratio: number; errors: number }> {
  const ours = gridletMeters(ports)
  const baseline = await modbusSerialClients(ports)
  const pairs = ports.map((_, i) => [async () => void (await ours.meters[i]!.read()), baseline.readers[i]!] as const)
  const result = await interleavedRatio(pairs, durationMs)
  await ours.close()
  await baseline.close()
  return result
}

/**
 * The baseline against a second set of baseline clients through the same interleaving: what `vsBaseline` reads
 * when both sides are the same code, i.e. the comparison's own error under this run's load (ideally 1).
 */
async function baselineVsItself(ports: number[], durationMs: number): Promise<{ ratio: number; errors: number }> {
  const a = await modbusSerialClients(ports)
  const b = await modbusSerialClients(ports)
  const result = await interleavedRatio(
    ports.map((_, i) => [a.readers[i]!, b.readers[i]!] as const),
    durationMs,
  )
  await a.close()
  await b.close()
  return result
}

/** One side's reads in an interleaved slice: time spent in successful reads, their count, and failed reads. */
interface SideTotal {
  ms: number
  reads: number
  errors: number
}

/**
 * Median over `ROUNDS` slices of the second readers' mean read time over the first's (after a warm-up), and the
 * failed reads of both sides. A failed read counts as an error and not as a reading, so one timeout or dropped
 * connection costs its slice nothing but its own sample instead of rejecting the whole run.
 */
async function interleavedRatio(
  pairs: readonly (readonly [() => Promise<void>, () => Promise<void>])[],
  durationMs: number,
): Promise<{ ratio: number; errors: number }> {
  const roundMs = durationMs / ROUNDS
  await interleave(pairs, 300) // connect and warm up both paths
  const ratios: number[] = []
  let errors = 0
  for (let i = 0; i < ROUNDS; i++) {
    const { ours: o, baseline: b } = await interleave(pairs, roundMs)
    errors += o.errors + b.errors
    if (o.reads > 0 && b.reads > 0 && o.ms > 0) ratios.push(b.ms / b.reads / (o.ms / o.reads))
  }
  if (ratios.length === 0) throw new Error('no slice of the interleaved comparison completed a read on both sides')
  return { ratio: round(median(ratios), 2), errors }
}

/** Runs each device's pair of readers in turn for `durationMs`; what each side spent reading. */
async function interleave(
  pairs: readonly (readonly [() => Promise<void>, () => Promise<void>])[],
  durationMs: number,
): Promise<{ ours: SideTotal; baseline: SideTotal }> {
  const total = { ours: { ms: 0, reads: 0, errors: 0 }, baseline: { ms: 0, reads: 0, errors: 0 } }
  const end = performance.now() + durationMs
  const timed = async (read: () => Promise<void>, side: SideTotal) => {
    const t = performance.now()
    try {
      await read()
    } catch {
      side.errors++
      return
    }
    side.ms += performance.now() - t
    side.reads++
  }
  await Promise.all(
    pairs.map(async ([o, b]) => {
      for (let n = 0; performance.now() < end; n++) {
        if (n % 2 === 0) {
          await timed(o, total.ours)
          await timed(b, total.baseline)
        } else {
          await timed(b, total.baseline)
          await timed(o, total.ours)
        }
      }
    }),
  )
  return total
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

async function recovery(child: ReturnType<typeof fork>, port: number): Promise<Result> {
  const link = createLink({ transport: 'tcp', host: '127.0.0.1', port, timeoutMs: 500 })
  const meter = openMeter(link, { profile: 'sdm630', unitId: 1 })
  await meter.read()
  const samples: number[] = []
  for (let i = 0; i < 3; i++) {
    let restartedAt = Number.POSITIVE_INFINITY
    let recoveredAt: number | undefined
    child.send({ restart: 0, downMs: 500 })
    const restarted = nextMessage(child).then(() => {
      restartedAt = performance.now()
    })
    const deadline = performance.now() + 10_000
    while (performance.now() < deadline) {
      const ok = await meter.read().then(
        () => true,
        () => false,
      )
      if (ok && performance.now() > restartedAt) {
        recoveredAt = performance.now()
        break
      }
      await new Promise((r) => setTimeout(r, 20))
    }
    await restarted
    samples.push(recoveredAt === undefined ? Number.POSITIVE_INFINITY : recoveredAt - restartedAt)
  }
  await link.close()
  const result = summary('recovery-server-restart', 1, [], 1, 0, 0)
  return { ...result, recoveryMs: round(Math.max(...samples), 1) }
}

function summary(
  name: string,
  devices: number,
  latencies: number[],
  elapsedMs: number,
  requests: number,
  errors: number,
): Result {
  const sorted = latencies.sort((a, b) => a - b)
  const q = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : 0)
  return {
    case: name,
    devices,
    readings: sorted.length,
    durationMs: round(elapsedMs, 0),
    readingsPerSecond: round((sorted.length / elapsedMs) * 1000, 0),
    requestsPerReading: sorted.length ? round(requests / sorted.length, 3) : 0,
    p50Ms: round(q(0.5), 3),
    p99Ms: round(q(0.99), 3),
    errors,
  }
}

function printTable(results: Result[]): void {
  const cols = [
    'case',
    'devices',
    'readings',
    'readingsPerSecond',
    'requestsPerReading',
    'p50Ms',
    'p99Ms',
    'cpuUsPerReading',
    'recoveryMs',
    'vsBaseline',
    'vsItself',
    'errors',
  ] as const
  const rows = results.map((r) => cols.map((c) => (r[c] === undefined ? '' : String(r[c]))))
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')
  console.log(line(cols))
  for (const r of rows) console.log(line(r))
  console.log('targets: sdm630-tcp-10dev >= 500 readings/s and 1 request/reading; recovery <= 2000 ms')
}

function nextMessage<T>(child: ReturnType<typeof fork>): Promise<T> {
  return new Promise((resolve) => child.once('message', (m) => resolve(m as T)))
}

function round(v: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(v * f) / f
}
