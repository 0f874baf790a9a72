import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { arch, platform, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import Chromium from '@sparticuz/chromium'
import { type BrowserContext, chromium } from 'playwright-core'

/** Debian's Chromium (`apt-get install chromium`), the alternative where the npm build cannot run. */
export const SYSTEM_CHROMIUM = '/usr/bin/chromium'

/**
 * The Chromium binary the page tests drive, in this order:
 * 1. `$GRIDLET_CHROMIUM` when set: any Chromium or Chrome binary, taken as it is (e.g. `/usr/bin/chromium`);
 * 2. on x64 Linux, the Chromium inside the npm package `@sparticuz/chromium` (pinned in package.json), unpacked once
 *    per machine into the temporary directory (~3 s, then reused). Preferred: it comes with `npm install`, so a
 *    fresh clone needs no OS package, and it is the same build on every machine and in CI, moved only by the lockfile;
 * 3. else `/usr/bin/chromium` (the npm package holds an x64 Linux build only).
 *
 * @example
 * await chromiumPath() // '/tmp/chromium'
 */
export async function chromiumPath(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.GRIDLET_CHROMIUM) return env.GRIDLET_CHROMIUM
  if (platform() === 'linux' && arch() === 'x64') {
    npmChromium ??= unpackNpmChromium()
    return npmChromium
  }
  if (existsSync(SYSTEM_CHROMIUM)) return SYSTEM_CHROMIUM
  throw new Error(
    `no Chromium for this ${platform()}/${arch()} machine: install one (apt-get install chromium) or set GRIDLET_CHROMIUM`,
  )
}
let npmChromium: Promise<string> | undefined

/**
 * Headless Chromium with a fresh profile, for tests that look at a page as a person would. The flags keep it off
 * the network: without the background-networking ones it keeps dialling Google's hosts, which this machine refuses.
 */
export async function launchChromium(viewport = { width: 1200, height: 900 }): Promise<BrowserContext> {
  const executablePath = await chromiumPath()
  const profile = mkdtempSync(join(tmpdir(), 'gridlet-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  context.on('close', () => {
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
    } catch {
      // Chromium may still be writing its profile as it exits: a leftover temporary directory is harmless.
    }
  })
  return context
}

const LOCK_STALE_MS = 120_000

/**
 * Unpacks the npm build under a lock. `@sparticuz/chromium` writes `<tmpdir>/chromium` in place and takes any file
 * already there as done, so two test files unpacking at once would start a half-written binary, and an unpacking
 * cut short would stay broken: one process unpacks while the others wait, and a binary that cannot print its version
 * is unpacked again.
 */
async function unpackNpmChromium(): Promise<string> {
  const lock = join(tmpdir(), 'gridlet-chromium.lock')
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw e
      if (Date.now() - lockTime(lock) > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true })
      else await delay(100)
    }
  }
  try {
    const path = await Chromium.executablePath()
    if (runs(path)) return path
    rmSync(path, { force: true })
    const again = await Chromium.executablePath()
    if (!runs(again)) throw new Error(`the Chromium unpacked from @sparticuz/chromium at ${again} does not run`)
    return again
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

function lockTime(lock: string): number {
  try {
    return statSync(lock).mtimeMs
  } catch {
    return Date.now()
  }
}

function runs(path: string): boolean {
  try {
    execFileSync(path, ['--version'], { stdio: 'ignore', timeout: 10_000 })
    return true
  } catch {
    return false
  }
}
