import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = new URL('..', import.meta.url).pathname
const src = join(root, 'src')

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name)
    if (e.isDirectory()) return sources(p)
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : []
  })
}

/**
 * Every module specifier a file loads: static imports and re-exports, side-effect imports, dynamic `import()` and
 * `require()` (also through `createRequire(...)`). A dynamic load whose argument is not a string literal is
 * reported as `<computed>`: nobody can check what it loads.
 */
function specifiersOf(text: string): string[] {
  const out: string[] = []
  for (const m of text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]/g)) out.push(m[1]!)
  for (const m of text.matchAll(/(?:^|[\s;])import\s*['"]([^'"]+)['"]/g)) out.push(m[1]!)
  for (const m of text.matchAll(/\b(?:import|require)\s*\(\s*([^)]*)\)/g)) {
    const arg = m[1]!.trim()
    const literal = /^['"`]([^'"`$]+)['"`]$/.exec(arg)
    out.push(literal ? literal[1]! : '<computed>')
  }
  for (const m of text.matchAll(/createRequire\([^)]*\)\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!)
  return out
}

/** Packages the pure core may load: hashing, signatures, ABI/EIP-712 encoding, protobuf decoding. */
const CORE_PACKAGES = ['viem', '@noble/curves', '@noble/hashes', 'protons-runtime', 'uint8arrays', 'secp256k1']
/** node:module only loads the secp256k1 native binding (signature checks at gossip speed). */
const CORE_BUILTINS = ['node:module']
const packageOf = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!)

function coreOffences(file: string, text: string): string[] {
  const rel = relative(root, file)
  const offences: string[] = []
  for (const spec of specifiersOf(text)) {
    if (spec === '<computed>') offences.push(`${rel} loads a computed module`)
    else if (spec.startsWith('.')) {
      const target = join(file, '..', spec)
      if (!target.startsWith(join(src, 'core')) && !target.startsWith(join(root, 'protocols/generated')))
        offences.push(`${rel} imports ${spec} outside the core`)
    } else if (spec.startsWith('node:')) {
      if (!CORE_BUILTINS.includes(spec)) offences.push(`${rel} imports ${spec}`)
    } else if (!CORE_PACKAGES.includes(packageOf(spec))) offences.push(`${rel} imports package ${spec}`)
  }
  // clock.ts is the one module that touches the wall clock and timers: it implements the injected Clock.
  if (rel !== 'src/core/time/clock.ts') {
    for (const banned of ['Date.now(', 'new Date()', 'Math.random(', 'setTimeout(', 'process.env', 'fetch(']) {
      if (text.includes(banned)) offences.push(`${rel} uses ${banned}`)
    }
  }
  return offences
}

describe('architecture', () => {
  it('the import scanner sees static, side-effect, dynamic and required modules', () => {
    const text = `import { a } from './a.js'\nexport * from "../b.js"\nimport 'side'\nconst m = await import('pkg/x')\nconst n = await import(name)\nconst r = createRequire(import.meta.url)('native/binding')`
    expect(specifiersOf(text)).toEqual(['./a.js', '../b.js', 'side', 'pkg/x', '<computed>', 'native/binding'])
    expect(coreOffences(join(src, 'core/x.ts'), "const f = await import('../node/ports.js')")).toEqual([
      'src/core/x.ts imports ../node/ports.js outside the core',
    ])
  })

  // The core is synchronous, deterministic and free of I/O: it imports only an allow-list of packages, no adapter
  // (statically or by import()), and never reads the wall clock or an unseeded random source.
  it('the pure core imports only allowed packages, no adapter, and does no I/O', () => {
    const offences = sources(join(src, 'core')).flatMap((f) => coreOffences(f, readFileSync(f, 'utf8')))
    expect(offences).toEqual([])
  })

  // Imports point down: the node composes store, http and chain; they never reach back up into it (or the CLI).
  it('store, http and chain never import the node or the CLI', () => {
    const offences: string[] = []
    for (const dir of ['store', 'http', 'chain']) {
      for (const file of sources(join(src, dir))) {
        for (const spec of specifiersOf(readFileSync(file, 'utf8'))) {
          const target = spec.startsWith('.') ? join(file, '..', spec) : ''
          if (spec === '<computed>' || target.startsWith(join(src, 'node')) || target.startsWith(join(src, 'cli')))
            offences.push(`${relative(root, file)} imports ${spec}`)
        }
      }
    }
    expect(offences).toEqual([])
  })
})

describe('errors', () => {
  // One code scheme (src/core/errors.ts) and no bare Error in the modules this test guards.
  it('GridletError codes in core, node, store, http and sim follow AREA_REASON; no bare new Error', async () => {
    const { isSchemeCode } = await import('../src/core/errors.js')
    expect(isSchemeCode('NODE_STOPPING')).toBe(true)
    expect(isSchemeCode('STOPPING')).toBe(false)
    const dirs = ['src/core', 'src/node', 'src/store', 'src/http'].map((d) => join(root, d))
    const files = [...dirs.flatMap(sources), ...sources(join(root, 'sim'))]
    const offences: string[] = []
    for (const file of files) {
      const text = readFileSync(file, 'utf8')
      const rel = relative(root, file)
      for (const m of text.matchAll(/new GridletError\([\s\S]*?code: '([^']+)'/g))
        if (!isSchemeCode(m[1]!)) offences.push(`${rel}: ${m[1]}`)
      if (/new (?:Range|Type)?Error\(/.test(text)) offences.push(`${rel}: bare Error`)
    }
    expect(offences).toEqual([])
  })
})
