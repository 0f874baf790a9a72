/** Shared by the bench scripts: `--json` switches from a table to one JSON object per line. */
export const jsonOutput = process.argv.includes('--json')

/** Median wall time in ms of `runs` calls (after one warm-up call). */
export function timeMs(fn: () => void, runs: number): number {
  fn()
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    fn()
    times.push(performance.now() - t0)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}

/** Prints rows as a table, or as JSON lines with `--json`. */
export function report(rows: Record<string, unknown>[]): void {
  if (jsonOutput) {
    for (const row of rows) console.log(JSON.stringify(row))
    return
  }
  console.table(rows)
}

/** Peak resident set size of this process so far, MB. */
export const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024)
