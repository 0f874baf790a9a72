import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { formatStatus } from '../../src/cli/formatStatus.js'
import { DASHBOARD_JS } from '../../src/http/dashboard.js'

describe('display units', () => {
  // The dashboard's own formatter, taken from the script the browser runs.
  const source = /function money\(x, t\) \{[\s\S]*?\n\}/.exec(DASHBOARD_JS)![0]
  const fmt = (x: unknown) => Number(x).toLocaleString('en-US')
  const money = new Function('fmt', `${source}; return money`)(fmt) as (x: unknown, t: unknown) => string
  const gEUR = { symbol: 'gEUR', decimals: 6 }

  it('the dashboard shows money exactly in the token unit, and smallest units without one', () => {
    expect(money('12500000', gEUR)).toBe('12.50 gEUR')
    expect(money(-1, gEUR)).toBe('-0.000001 gEUR')
    expect(money('123456789012345678901', { symbol: 'X', decimals: 18 })).toBe('123.456789012345678901 X')
    expect(money(0, { symbol: 'T', decimals: 0 })).toBe('0 T')
    expect(money(1234567, null)).toBe('1,234,567')
  })

  it('gridlet status shows earnings in the token unit, and smallest units only for a node without one', () => {
    const status = (token: unknown) =>
      formatStatus({ status: 'ok', interval: { nextOpen: 1, closesAtMs: 0 }, earnings: '-1250000', token })
    expect(status(gEUR)).toMatch(/^earnings {3}-1\.25 gEUR$/m)
    expect(status(null)).toMatch(/^earnings {3}-1250000 token units$/m)
  })

  it('the gridlet executable runs the escrow command and fails with exit code 2 and the sentence', {
    timeout: 60_000,
  }, () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, '../../src/cli/main.ts'),
        'escrow',
        'status',
        '-m',
        '/nonexistent/market.json',
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, NODE_NO_WARNINGS: '1' },
        timeout: 50_000,
      },
    )
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('error: cannot read market file /nonexistent/market.json')
    expect(r.stderr).toContain("Details: ENOENT: no such file or directory, open '/nonexistent/market.json'")
  })
})
