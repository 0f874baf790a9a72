import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const dir = new URL('../../src/mqtt/', import.meta.url).pathname

describe('src/mqtt imports point down', () => {
  // The publisher depends on its own narrow port (gatewayState.ts), never on the node: the node adapts to it.
  it('imports only the core, the config schema and libraries', () => {
    const offences: string[] = []
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      for (const [, spec] of readFileSync(join(dir, name), 'utf8').matchAll(/from '([^']+)'/g)) {
        if (spec!.startsWith('../') && !/^\.\.\/(core|config)\//.test(spec!)) offences.push(`${name} imports ${spec}`)
      }
    }
    expect(offences).toEqual([])
  })
})
