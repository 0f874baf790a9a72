import { Counter, type Registry } from 'prom-client'

/**
 * Counters of the network adapter, always kept in memory (for `stats()`) and mirrored to prom-client when a
 * registry is given. Labels are the stable enum strings of validation.ts.
 */
export class P2pMetrics {
  private readonly counts = {
    validation: {} as Record<string, number>,
    intervals: {} as Record<string, number>,
    reconcile: {} as Record<string, number>,
  }
  private readonly prom:
    | {
        validation: Counter<'topic' | 'verdict' | 'code'>
        intervals: Counter<'outcome'>
        reconcile: Counter<'event'>
        binding: Counter<'outcome'>
      }
    | undefined

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
      binding: new Counter({
        name: 'gridlet_p2p_peer_binding_total',
        help: 'Peer bindings checked, by outcome',
        labelNames: ['outcome'],
        registers,
      }),
    }
  }

  validation(topic: string, verdict: string, code: string): void {
    bump(this.counts.validation, `${topic}:${verdict}:${code}`)
    this.prom?.validation.inc({ topic, verdict, code })
  }

  interval(outcome: string): void {
    bump(this.counts.intervals, outcome)
    this.prom?.intervals.inc({ outcome })
  }

  reconcile(event: string): void {
    bump(this.counts.reconcile, event)
    this.prom?.reconcile.inc({ event })
  }

  binding(outcome: string): void {
    this.prom?.binding.inc({ outcome })
  }

  snapshot() {
    return {
      validation: { ...this.counts.validation },
      intervals: { ...this.counts.intervals },
      reconcile: { ...this.counts.reconcile },
    }
  }
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1
}
