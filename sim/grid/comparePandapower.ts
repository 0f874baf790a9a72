import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { GridletError } from '../../src/core/errors.js'
import {
  type CompiledNetwork,
  compileNetwork,
  createPowerFlow,
  type GridNetwork,
  toBusPowers,
} from '../../src/core/grid/index.js'

/** One network with one set of household powers (W / var, consumption positive, network order). */
export interface PowerFlowCase {
  readonly network: GridNetwork
  readonly householdW: ArrayLike<number>
  readonly householdVar: ArrayLike<number>
}

/** gridlet's power flow next to pandapower's on one case. */
export interface PowerFlowComparison {
  readonly network: string
  readonly buses: number
  /** Largest |vm_gridlet - vm_pandapower| over the buses, % of nominal voltage. */
  readonly maxVoltageDiffPct: number
  /** Largest loading difference over the lines and the transformer, percentage points. */
  readonly maxLoadingDiffPct: number
  readonly lossesDiffPct: number
  readonly minVoltagePu: number
  /** Median time of one gridlet solve (from a flat start) and of one pandapower runpp, ms. */
  readonly ms: number
  readonly pandapowerMs: number
  readonly pandapowerVersion: string
}

interface PeerResult {
  vm: Record<string, number>
  lineLoadingPct: Record<string, number>
  transformerLoadingPct: number
  lossesW: number
  ms: number
}

const SCRIPT = join(import.meta.dirname, 'pandapower_pf.py')

/**
 * Runs each case through gridlet's power flow and through pandapower (sim/grid/pandapower_pf.py, one Python process
 * for all cases, fed JSON on stdin) and compares bus voltages, loadings and losses. Both sides are timed in-process.
 *
 * @example
 * const rows = await comparePandapower({ python: 'python3' }, [{ network, householdW, householdVar }])
 */
export async function comparePandapower(
  deps: { python: string },
  cases: readonly PowerFlowCase[],
  runs = 5,
): Promise<PowerFlowComparison[]> {
  const compiled = cases.map((c) => compileNetwork(c.network))
  const busPowers = cases.map((c, i) => busPowersOf(compiled[i]!, c))
  const peer = await runPeer(deps.python, {
    cases: cases.map((c, i) => ({
      network: c.network,
      busW: byBus(compiled[i]!, busPowers[i]!.w),
      busVar: byBus(compiled[i]!, busPowers[i]!.v),
      runs,
    })),
  })
  return cases.map((c, i) => {
    const cn = compiled[i]!
    const { w, v } = busPowers[i]!
    const ms = timeSolve(cn, w, v, runs)
    const r = createPowerFlow(cn).solve(w, v)
    const pp = peer.results[i]!
    let dv = 0
    for (const [b, id] of cn.busIds.entries()) dv = Math.max(dv, Math.abs(r.vm[b]! - pp.vm[id]!))
    let dl = Math.abs(r.transformerLoadingPct - pp.transformerLoadingPct)
    for (const [li, l] of c.network.lines.entries())
      dl = Math.max(dl, Math.abs(r.lineLoadingPct[li]! - pp.lineLoadingPct[l.id]!))
    return {
      network: c.network.name,
      buses: cn.busIds.length,
      maxVoltageDiffPct: dv * 100,
      maxLoadingDiffPct: dl,
      lossesDiffPct: (Math.abs(r.lossesW - pp.lossesW) / Math.max(1, pp.lossesW)) * 100,
      minVoltagePu: Math.min(...r.vm),
      ms,
      pandapowerMs: pp.ms,
      pandapowerVersion: peer.version,
    }
  })
}

function busPowersOf(c: CompiledNetwork, pc: PowerFlowCase) {
  const n = c.busIds.length
  return {
    w: toBusPowers(c, pc.householdW, new Float64Array(n)),
    v: toBusPowers(c, pc.householdVar, new Float64Array(n)),
  }
}

function byBus(c: CompiledNetwork, x: Float64Array): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [b, id] of c.busIds.entries()) if (x[b] !== 0) out[id] = x[b]!
  return out
}

/** Median ms of one solve from a flat start (a fresh solver each time, as pandapower starts each runpp afresh). */
function timeSolve(c: CompiledNetwork, w: Float64Array, v: Float64Array, runs: number): number {
  const reps = Math.max(1, Math.ceil(20_000 / c.busIds.length))
  const times: number[] = []
  for (let k = 0; k <= runs; k++) {
    const t0 = performance.now()
    for (let i = 0; i < reps; i++) createPowerFlow(c).solve(w, v)
    if (k > 0) times.push((performance.now() - t0) / reps)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}

function runPeer(python: string, input: unknown): Promise<{ version: string; results: PeerResult[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    child.stderr.on('data', (d) => {
      err += d
    })
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(out))
      else
        reject(
          new GridletError(`the pandapower peer exited with code ${code}`, {
            code: 'SIM_PANDAPOWER',
            details: err.slice(-2000),
          }),
        )
    })
    child.stdin.end(JSON.stringify(input))
  })
}
