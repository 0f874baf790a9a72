export interface OutboxMessage {
  readonly topic: string
  readonly payload: string
  readonly retain: boolean
  /** For meter values: the reading's timestamp, so a refresh can tell a new reading from a repeated one. */
  readonly stamp?: number
}

/**
 * Messages waiting for the broker, at most one per topic (state is retained, so only the latest value matters)
 * and at most `maxTopics` topics: a newer value replaces a waiting one (`coalesced`); a new topic beyond the
 * bound is refused (`dropped`). Memory stays bounded however long the broker is away.
 *
 * @example
 * const box = latestOutbox(64, (outcome) => metrics.messages.inc({ outcome }))
 * box.put({ topic: 'gridlet/n/power', payload: '1200', retain: true })
 */
export function latestOutbox(maxTopics: number, count: (outcome: 'coalesced' | 'dropped') => void) {
  const waiting = new Map<string, OutboxMessage>()
  return {
    put(m: OutboxMessage): void {
      const old = waiting.get(m.topic)
      if (old && old.payload === m.payload && old.retain === m.retain && old.stamp === m.stamp) return
      if (old) {
        count('coalesced')
        waiting.delete(m.topic) // re-insert: the map's order stays oldest-first
      } else if (waiting.size >= maxTopics) {
        count('dropped')
        return
      }
      waiting.set(m.topic, m)
    },
    /** The oldest waiting message, removed. */
    take(): OutboxMessage | undefined {
      const first = waiting.values().next()
      if (first.done) return undefined
      waiting.delete(first.value.topic)
      return first.value
    },
    get size(): number {
      return waiting.size
    },
  }
}
