import type { CompiledNetwork } from './compileNetwork.js'

/**
 * The state of the network for one set of bus powers. The arrays belong to the solver and are overwritten by its
 * next `solve` (copy what you keep): the sweep allocates nothing per call.
 */
export interface PowerFlowResult {
  readonly converged: boolean
  readonly iterations: number
  /** Voltage magnitude per bus, per unit of the nominal voltage. */
  readonly vm: Float64Array
  /** Current per line (index of `network.lines`), A. */
  readonly lineCurrentA: Float64Array
  /** Current per line as % of its ampacity. */
  readonly lineLoadingPct: Float64Array
  /** Transformer current as % of its rated current. */
  readonly transformerLoadingPct: number
  /** Active power drawn through the transformer from the upstream grid, W (< 0: the neighbourhood exports). */
  readonly slackW: number
  /** Active losses in the cables and the transformer, W. */
  readonly lossesW: number
}

export interface PowerFlowSolver {
  /**
   * Solves the network for `busW` / `busVar` (per bus, consumption positive, generation negative; three-phase
   * totals), starting from the previous solution.
   */
  solve(busW: Float64Array, busVar: Float64Array): PowerFlowResult
}

/** Per-unit power base, VA. Any value gives the same answer; 1 MVA keeps LV impedances near 1. */
const S_BASE = 1e6

/**
 * A backward/forward sweep for a radial network, balanced (single-phase equivalent of a symmetric three-phase
 * network), in per unit: the upstream grid is an ideal source at `voltagePu` (default 1) behind the transformer's
 * series impedance;
 * loads are constant power. Backward: each bus's current `conj(S / V)` plus its subtree's, summed leaves to root.
 * Forward: `V_child = V_parent - Z_line * I_line` from the source down. Repeats until no voltage moves by more than
 * `tolerance` pu. Everything is precomputed into typed arrays in breadth-first order.
 *
 * @example
 * const pf = createPowerFlow(compileNetwork(parseNetwork(json)))
 * const r = pf.solve(busW, busVar)
 * Math.min(...r.vm) // lowest voltage, pu
 */
export function createPowerFlow(
  c: CompiledNetwork,
  opts: { tolerance?: number; maxIterations?: number } = {},
): PowerFlowSolver {
  const tolerance = opts.tolerance ?? 1e-10
  const maxIterations = opts.maxIterations ?? 100
  const net = c.network
  const n = c.busIds.length
  const vBase = net.voltageKv * 1000
  const zBase = (vBase * vBase) / S_BASE
  const iBaseA = S_BASE / (Math.sqrt(3) * vBase)
  const t = net.transformer
  const tZ = (t.vscPercent / 100) * (S_BASE / (t.ratingKva * 1000))
  const tR = (t.vscrPercent / 100) * (S_BASE / (t.ratingKva * 1000))
  const tX = Math.sqrt(tZ * tZ - tR * tR)
  const vs = t.voltagePu ?? 1
  // Branch data per bus (the line feeding it), in sweep order: index m is bus order[m].
  const ord = c.order
  const par = new Int32Array(n)
  const posOf = new Int32Array(n)
  for (let m = 0; m < n; m++) posOf[ord[m]!] = m
  const r = new Float64Array(n)
  const x = new Float64Array(n)
  for (let m = 1; m < n; m++) {
    const b = ord[m]!
    par[m] = posOf[c.parent[b]!]!
    const l = net.lines[c.parentLine[b]!]!
    r[m] = (l.rOhmPerKm * l.lengthM) / 1000 / zBase
    x[m] = (l.xOhmPerKm * l.lengthM) / 1000 / zBase
  }
  const vr = new Float64Array(n).fill(vs)
  const vi = new Float64Array(n)
  const ir = new Float64Array(n)
  const ii = new Float64Array(n)
  const p = new Float64Array(n)
  const q = new Float64Array(n)
  const vm = new Float64Array(n)
  const lineCurrentA = new Float64Array(net.lines.length)
  const lineLoadingPct = new Float64Array(net.lines.length)
  const ampacity = Float64Array.from(net.lines, (l) => l.ampacityA)

  function solve(busW: Float64Array, busVar: Float64Array): PowerFlowResult {
    for (let m = 0; m < n; m++) {
      p[m] = busW[ord[m]!]! / S_BASE
      q[m] = busVar[ord[m]!]! / S_BASE
    }
    let it = 0
    let converged = false
    while (it < maxIterations && !converged) {
      it++
      // Backward: children come after their parents in `ord`, so a reverse walk has every subtree summed.
      ir.fill(0)
      ii.fill(0)
      for (let m = n - 1; m >= 0; m--) {
        const a = vr[m]!
        const b = vi[m]!
        const d = a * a + b * b
        const pm = p[m]!
        const qm = q[m]!
        const cr = ir[m]! + (pm * a + qm * b) / d
        const ci = ii[m]! + (pm * b - qm * a) / d
        ir[m] = cr
        ii[m] = ci
        if (m > 0) {
          ir[par[m]!]! += cr
          ii[par[m]!]! += ci
        }
      }
      // Forward: the busbar from the ideal source through the transformer, then every bus from its parent.
      let delta = 0
      delta = Math.max(delta, setV(0, vs - (tR * ir[0]! - tX * ii[0]!), -(tR * ii[0]! + tX * ir[0]!)))
      for (let m = 1; m < n; m++) {
        const u = par[m]!
        const nr = vr[u]! - (r[m]! * ir[m]! - x[m]! * ii[m]!)
        const ni = vi[u]! - (r[m]! * ii[m]! + x[m]! * ir[m]!)
        delta = Math.max(delta, setV(m, nr, ni))
      }
      converged = delta < tolerance
    }
    let losses = (ir[0]! * ir[0]! + ii[0]! * ii[0]!) * tR
    for (let m = 0; m < n; m++) vm[ord[m]!] = Math.hypot(vr[m]!, vi[m]!)
    for (let m = 1; m < n; m++) {
      const i2 = ir[m]! * ir[m]! + ii[m]! * ii[m]!
      losses += i2 * r[m]!
      const li = c.parentLine[ord[m]!]!
      lineCurrentA[li] = Math.sqrt(i2) * iBaseA
      lineLoadingPct[li] = (lineCurrentA[li]! / ampacity[li]!) * 100
    }
    const tI = Math.hypot(ir[0]!, ii[0]!)
    return {
      converged,
      iterations: it,
      vm,
      lineCurrentA,
      lineLoadingPct,
      transformerLoadingPct: ((tI * S_BASE) / (t.ratingKva * 1000)) * 100,
      // The source sits at vs + 0j: its active power is the real part of V·conj(I) = vs·I_re.
      slackW: vs * ir[0]! * S_BASE,
      lossesW: losses * S_BASE,
    }
  }

  function setV(m: number, nr: number, ni: number): number {
    const d = Math.max(Math.abs(nr - vr[m]!), Math.abs(ni - vi[m]!))
    vr[m] = nr
    vi[m] = ni
    return d
  }

  return { solve }
}

/**
 * Sums per-household powers (in the order of `network.households`) onto their buses: `busW` is zeroed first.
 *
 * @example
 * toBusPowers(c, householdW, busW); pf.solve(busW, busVar)
 */
export function toBusPowers(c: CompiledNetwork, householdW: ArrayLike<number>, busW: Float64Array): Float64Array {
  busW.fill(0)
  for (let h = 0; h < c.householdBus.length; h++) {
    const b = c.householdBus[h]!
    busW[b] = busW[b]! + householdW[h]!
  }
  return busW
}
