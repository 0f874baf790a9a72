import type { Scenario } from './schema.js'

/** The kinds of fault a scenario can inject (sim/scenario/schema.ts, docs/simulation.md). */
export type FaultKind = Scenario['faults'][number]['kind']

/**
 * True when household `h` is in a fault of this kind in period interval `k`.
 *
 * @example
 * if (faultAt(scenario, 'offline', 3, k)) continue
 */
export function faultAt(s: Scenario, kind: FaultKind, h: number, k: number): boolean {
  return s.faults.some((f) => f.kind === kind && k >= f.fromInterval && k <= f.toInterval && f.households.includes(h))
}
