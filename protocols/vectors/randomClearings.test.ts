import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { randomClearings } from './randomClearings.js'

describe('random clearing known-answer roots', () => {
  it('every seeded book clears, plain and grid-aware, to the committed trade counts and result roots', () => {
    const committed = JSON.parse(readFileSync(new URL('randomClearings.json', import.meta.url), 'utf8'))
    expect(randomClearings()).toEqual(committed)
  }, 60_000)
})
