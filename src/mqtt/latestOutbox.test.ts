import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { latestOutbox } from './latestOutbox.js'

describe('latestOutbox', () => {
  it('keeps the latest value per topic, oldest topic first, and refuses topics beyond the bound', () => {
    const counts: string[] = []
    const box = latestOutbox(2, (o) => counts.push(o))
    box.put({ topic: 'a', payload: '1', retain: true })
    box.put({ topic: 'b', payload: '1', retain: true })
    box.put({ topic: 'a', payload: '2', retain: true })
    box.put({ topic: 'c', payload: '1', retain: true })
    expect(counts).toEqual(['coalesced', 'dropped'])
    expect(box.take()).toEqual({ topic: 'b', payload: '1', retain: true })
    expect(box.take()).toEqual({ topic: 'a', payload: '2', retain: true })
    expect(box.take()).toBeUndefined()
  })

  it('never holds more than its bound, whatever is put', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(50), fc.nat())), fc.integer({ min: 1, max: 20 }), (puts, max) => {
        const box = latestOutbox(max, () => {})
        const latest = new Map<string, string>()
        for (const [t, v] of puts) {
          box.put({ topic: String(t), payload: String(v), retain: false })
          expect(box.size).toBeLessThanOrEqual(max)
          if (latest.has(String(t)) || latest.size < max) latest.set(String(t), String(v))
        }
        const out = new Map<string, string>()
        for (let m = box.take(); m; m = box.take()) out.set(m.topic, m.payload)
        expect(out).toEqual(latest)
      }),
    )
  })
})
