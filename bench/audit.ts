/**
 * Runs the settlement attack catalogue (test/chain/attacks.ts, the same one the tests run) against a fresh anvil
 * and reports, per attack, whether the contract refused it and with which custom error (or reason).
 *
 *   npm run audit:settlement            readable table
 *   npm run audit:settlement -- --json  one JSON object per line:
 *     {"bench":"audit","attack":"<name>","refused":true|false,"error":"<custom error or reason>","expected":"..."}
 *
 * Exits 1 when an attack was not refused with its expected error.
 */
import { ATTACKS } from '../test/chain/attacks.js'
import { startAuditContext } from '../test/chain/auditContext.js'
import { jsonOutput as json } from './args.js'

const ctx = await startAuditContext()
const rows: { bench: 'audit'; attack: string; refused: boolean; error: string; expected: string }[] = []
try {
  for (const attack of ATTACKS) {
    const outcome = await attack.run(ctx).catch((err: unknown) => ({
      refused: false,
      error: `attack failed to run: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
    }))
    const row = { bench: 'audit' as const, attack: attack.name, ...outcome, expected: attack.expected }
    const { args: _, ...printed } = row as typeof row & { args?: unknown }
    rows.push(printed)
    if (json) console.log(JSON.stringify(printed))
  }
} finally {
  await ctx.stop()
}
const passed = rows.filter((r) => r.refused && r.error === r.expected).length
if (!json) {
  console.log('settlement attack catalogue against anvil (test/chain/attacks.ts)')
  console.table(rows.map((r) => ({ attack: r.attack, refused: r.refused, error: r.error, expected: r.expected })))
  console.log(`${passed} of ${rows.length} attacks refused with the expected error`)
}
process.exitCode = passed === rows.length ? 0 : 1
