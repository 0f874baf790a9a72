import { describe, expect, it } from 'vitest'
import { bucketSize, escapeHtml } from './htmlParts.js'

describe('report HTML parts', () => {
  it('escapes every character that could open markup or close an attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;',
    )
  })

  it('buckets a run so that no chart gets more than 4000 points', () => {
    expect(bucketSize(1)).toBe(1)
    expect(bucketSize(4000)).toBe(1)
    expect(bucketSize(4001)).toBe(2)
    expect(Math.ceil(17_520 / bucketSize(17_520))).toBeLessThanOrEqual(4000)
  })
})
