import { describe, expect, it } from 'vitest'
import { SlotHistory } from './slotHistory.js'

describe('SlotHistory', () => {
  it('keeps only the last `capacity` slots', () => {
    const h = new SlotHistory(4)
    for (let s = 0; s < 10; s++) h.put(s, s * 10)
    expect(h.get(9)).toBe(90)
    expect(h.get(6)).toBe(60)
    expect(h.get(5)).toBeNaN()
    h.put(2, 1) // too old to store
    expect(h.get(2)).toBeNaN()
  })

  it('collects the same slot of earlier days, before the origin only', () => {
    const h = new SlotHistory(48 * 3)
    for (let s = 0; s < 48 * 3; s++) h.put(s, s)
    expect(h.sameSlotDays(48 * 3 + 5, 48 * 3, 2, 48, 0, [])).toEqual([48 * 2 + 5, 48 + 5])
    expect(h.sameSlotDays(48 * 2 + 5, 48 * 2 + 5, 1, 48, 1, [])).toEqual([48 + 4, 48 + 5, 48 + 6])
  })
})
