import { describe, expect, it } from 'vitest'
import { HeldMessages } from './heldMessages.js'

describe('HeldMessages', () => {
  it('hands back what is still of use, oldest first, once', () => {
    const held = new HeldMessages()
    const a = Uint8Array.of(1)
    const b = Uint8Array.of(2)
    const c = Uint8Array.of(3)
    held.hold(a, 100)
    held.hold(b, 300)
    held.hold(c, 200)
    expect(held.take(150)).toEqual([
      [b, 300],
      [c, 200],
    ])
    expect(held.size).toBe(0)
    expect(held.take(0)).toEqual([])
  })

  it('is bounded: the oldest are dropped first', () => {
    const held = new HeldMessages(2)
    const msgs = [1, 2, 3].map((i) => Uint8Array.of(i))
    for (const m of msgs) held.hold(m, 1000)
    expect(held.size).toBe(2)
    expect(held.take(0).map(([m]) => m[0])).toEqual([2, 3])
  })

  it('counts the heartbeats its oldest message waited, from the first one held until taken', () => {
    const held = new HeldMessages()
    expect(held.heartbeat()).toBe(0)
    held.hold(Uint8Array.of(1), 1000)
    expect([held.heartbeat(), held.heartbeat()]).toEqual([1, 2])
    held.take(0)
    expect(held.heartbeat()).toBe(0)
  })
})
