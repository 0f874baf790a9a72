import { Counter, type Registry } from 'prom-client'

type Family = 'validation' | 'intervals' | 'reconcile' | 'bindings' | 'publish'

/** One label combination: its in-memory count and, with a registry, its prom-client child (labels hashed once). */
interface Entry {
  count: number
  readonly prom: { inc(): void } | undefined
}

/**
 * Counters of the network adapter, always kept in memory (for `stats()`) and mirrored to prom-client when a
 * registry is given. Labels are the stable enum strings of validation.ts and binding.ts. Every message is
 * counted, so each label combination is resolved once (nested maps, no string building or label hashing per
 * message).
 */
export class P2pMetrics {
  private readonly entries: Record<Family, Map<string, Map<string, Map<string, Entry>>>> = {
    validation: new Map(),
    intervals: new Map(),
    reconcile: new Map(),
    bindings: new Map(),
    publish: new Map(),
  }
  private readonly prom: Record<Family, Counter<string>> | undefined

  constructor(registry?: Registry) {
    if (!registry) return
    const registers = [registry]
    this.prom = {
      validation: new Counter({
        name: 'gridlet_p2p_gossip_validation_total',
        help: 'Gossip messages validated, by topic, verdict and code',
        labelNames: ['topic', 'verdict', 'code'],
        registers,
      }),
      intervals: new Counter({
        name: 'gridlet_p2p_intervals_total',
        help: 'Intervals decided, by outcome (agreed, adopted, no_quorum, disagree)',
        labelNames: ['outcome'],
        registers,
      }),
      reconcile: new Counter({
        name: 'gridlet_p2p_reconcile_events_total',
        help: 'Reconciliation requests and their outcomes',
        labelNames: ['event'],
        registers,
      }),
      bindings: new Counter({
        name: 'gridlet_p2p_peer_binding_total',
        help: 'Peer bindings checked, by outcome (BOUND, INVALID, TOO_MANY_PEERS, DISCONNECTED, FORGOTTEN)',
        labelNames: ['outcome'],
        registers,
      }),
      publish: new Counter({
        name: 'gridlet_p2p_publish_held_total',
        help: 'Own messages held for want of a gossip mesh (held), published once it formed (retried)',
        labelNames: ['event'],
        registers,
      }),
    }
  }

  validation(topic: string, verdict: string, code: string): void {
    const e = this.entry('validation', topic, verdict, code)
    e.count++
    e.prom?.inc()
  }

  interval(outcome: string): void {
    this.bump('intervals', outcome)
  }

  reconcile(event: string): void {
    this.bump('reconcile', event)
  }

  binding(outcome: string): void {
    this.bump('bindings', outcome)
  }

  publish(event: 'held' | 'retried'): void {
    this.bump('publish', event)
  }

  snapshot() {
    return {
      validation: this.flat('validation'),
      intervals: this.flat('intervals'),
      reconcile: this.flat('reconcile'),
      bindings: this.flat('bindings'),
      publish: this.flat('publish'),
    }
  }

  private bump(family: Family, label: string): void {
    const e = this.entry(family, label, '', '')
    e.count++
    e.prom?.inc()
  }

  private entry(family: Family, a: string, b: string, c: string): Entry {
    const byA = this.entries[family]
    const byB = getOrCreate(byA, a)
    const byC = getOrCreate(byB, b)
    let e = byC.get(c)
    if (!e) {
      const counter = this.prom?.[family]
      const prom = counter && (family === 'validation' ? counter.labels(a, b, c) : counter.labels(a))
      e = { count: 0, prom }
      byC.set(c, e)
    }
    return e
  }

  /** `topic:verdict:code` (validation) or the single label -> count. */
  private flat(family: Family): Record<string, number> {
    const out: Record<string, number> = {}
    for (const [a, byB] of this.entries[family])
      for (const [b, byC] of byB)
        for (const [c, e] of byC) out[family === 'validation' ? `${a}:${b}:${c}` : a] = e.count
    return out
  }
}

function getOrCreate<K, V extends Map<unknown, unknown>>(map: Map<K, V>, key: K): V {
  let v = map.get(key)
  if (!v) {
    v = new Map() as V
    map.set(key, v)
  }
  return v
}
