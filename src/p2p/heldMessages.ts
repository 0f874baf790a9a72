/**
 * A node's own gossip messages that found no peer to go to: published before the gossip mesh formed, or while
 * the node had no subscribed neighbour. gossipsub would have put such a message in its seen-cache and never sent
 * it again (a second publish of it is a duplicate), so the node holds it here instead and publishes it when a
 * peer subscribes to the topic. Each message is held until its deadline (clock ms: after it, the message is of
 * no use, e.g. an order after its gate closure); at most `max` are held, the oldest dropped first. While the mesh
 * is still short of every connected peer, they wait at most `patience` heartbeats with a subscribed peer (a
 * connected peer may never subscribe), then go to whatever peers gossipsub picks.
 *
 * @example
 * const held = new HeldMessages()
 * held.hold(data, times.acceptUntil(k))
 * for (const [data, until] of held.take(clock.now())) await publish(ctx, data, until)
 */
export class HeldMessages {
  private readonly held = new Map<Uint8Array, number>()
  /** Heartbeats since the oldest held message was held. */
  private age = 0

  constructor(
    private readonly max = 1024,
    readonly patience = 3,
  ) {}

  get size(): number {
    return this.held.size
  }

  /** Counts a gossipsub heartbeat; returns the heartbeats the oldest message has waited. */
  heartbeat(): number {
    if (this.held.size > 0) this.age++
    return this.age
  }

  hold(data: Uint8Array, untilMs: number): void {
    this.held.delete(data)
    this.held.set(data, untilMs)
    for (const old of this.held.keys()) {
      if (this.held.size <= this.max) break
      this.held.delete(old)
    }
  }

  /** Removes every held message; returns those still of use at `nowMs`, oldest first, with their deadlines. */
  take(nowMs: number): [data: Uint8Array, untilMs: number][] {
    const out = [...this.held].filter(([, until]) => until > nowMs)
    this.held.clear()
    this.age = 0
    return out
  }
}
