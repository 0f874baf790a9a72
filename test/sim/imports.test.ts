import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = new URL('../..', import.meta.url).pathname

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name)
    if (e.isDirectory()) return sources(p)
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : []
  })
}

/** The box of docs/design.md's diagram a file of the repository belongs to. */
function boxOf(rel: string): string | undefined {
  const [top, dir, file] = rel.split('/')
  if (top === 'src') return dir === 'core' ? 'core' : dir
  if (top !== 'sim' || dir === undefined) return undefined
  const boxes: Record<string, string> = { households: 'households', market: 'simMarket', fast: 'fast', agent: 'agent' }
  if (dir === 'network') return 'network'
  if (boxes[dir]) return boxes[dir]
  if (dir === 'scenario' || ['random.ts', 'outcome.ts', 'worker.ts'].includes(dir)) return 'scenario'
  return file === undefined || dir === 'report' ? 'simRun' : undefined
}

/** Every edge between two boxes that sim/ (and src/data) imports, `A -.-> B` when only types cross. */
function simEdges(): string[] {
  const edges = new Map<string, boolean>()
  for (const file of [...sources(join(root, 'sim')), ...sources(join(root, 'src/data'))]) {
    const from = boxOf(relative(root, file))
    const text = readFileSync(file, 'utf8')
    const specs = [
      ...text.matchAll(/^(?:import|export)( type)?\s[^'"]*?from\s*'(\.[^']+)'/gm),
      ...text.matchAll(/import\(()'(\.[^']+)'\)/g),
    ]
    for (const m of specs) {
      const to = boxOf(relative(root, join(dirname(file), m[2]!.replace(/\.js$/, '.ts'))))
      if (!from || !to || from === to) continue
      const key = `${from} ${to}`
      edges.set(key, (edges.get(key) ?? true) && m[1] === ' type')
    }
  }
  return [...edges].map(([k, typesOnly]) => k.replace(' ', typesOnly ? ' -.-> ' : ' --> ')).sort()
}

/** The diagram's edges that start in sim/ or src/data. */
function diagramEdges(): string[] {
  const doc = readFileSync(join(root, 'docs/design.md'), 'utf8')
  const sim = ['simRun', 'scenario', 'households', 'simMarket', 'fast', 'agent', 'network', 'data']
  const out: string[] = []
  for (const m of doc.matchAll(/^ {2}(\w+)(?:\[[^\]]*\])? (-->|-\. types \.->) (\w+)/gm)) {
    if (sim.includes(m[1]!)) out.push(`${m[1]} ${m[2] === '-->' ? '-->' : '-.->'} ${m[3]}`)
  }
  return out.sort()
}

describe("docs/design.md's diagram", () => {
  it("shows exactly sim's real dependencies (and src/data's)", () => {
    expect(simEdges().length).toBeGreaterThan(10)
    expect(diagramEdges()).toEqual(simEdges())
  })
})
