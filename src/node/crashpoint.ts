/**
 * Named crash points for the crash-recovery test: with `GRIDLET_CRASH_AT=after-decision-store` (or `name:3` for
 * the third time it is reached, or several comma-separated) the process SIGKILLs itself there, like a power cut.
 * Without the variable this is a no-op costing one map lookup.
 */
const plan = new Map<string, number>()
for (const entry of (process.env.GRIDLET_CRASH_AT ?? '').split(',')) {
  const [name, nth] = entry.trim().split(':')
  if (name) plan.set(name, Number(nth ?? 1))
}
const hits = new Map<string, number>()

export function crashpoint(name: string): void {
  const nth = plan.get(name)
  if (nth === undefined) return
  const n = (hits.get(name) ?? 0) + 1
  hits.set(name, n)
  if (n >= nth) {
    process.stderr.write(`gridlet: crash point ${name} reached, SIGKILL\n`)
    process.kill(process.pid, 'SIGKILL')
  }
}
