import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = new URL('..', import.meta.url).pathname
const coreDir = join(root, 'src/core')

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name)
    if (e.isDirectory()) return sources(p)
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : []
  })
}

describe('architecture', () => {
  // The core is synchronous, deterministic and free of I/O: it never imports an adapter or an I/O module and
  // never reads the wall clock or an unseeded random source. (node:module only loads the secp256k1 binding.)
  it('the pure core imports no adapter and does no I/O', () => {
    const offences: string[] = []
    for (const file of sources(coreDir)) {
      const text = readFileSync(file, 'utf8')
      const rel = relative(root, file)
      for (const [, spec] of text.matchAll(/from '([^']+)'/g)) {
        if (spec!.startsWith('node:') && spec !== 'node:module') offences.push(`${rel} imports ${spec}`)
        if (
          spec!.startsWith('.') &&
          !join(file, '..', spec!).startsWith(coreDir) &&
          !spec!.includes('protocols/generated')
        ) {
          offences.push(`${rel} imports ${spec} outside the core`)
        }
      }
      // clock.ts is the one module that touches the wall clock and timers: it implements the injected Clock.
      if (rel === 'src/core/time/clock.ts') continue
      for (const banned of ['Date.now(', 'new Date()', 'Math.random(', 'setTimeout(', 'process.env', 'fetch(']) {
        if (text.includes(banned)) offences.push(`${rel} uses ${banned}`)
      }
    }
    expect(offences).toEqual([])
  })
})
