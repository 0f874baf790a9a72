import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium } from 'playwright-core'

/** Debian's Chromium (`apt-get install chromium`, done by .ci/run). */
export const CHROMIUM = '/usr/bin/chromium'

/**
 * Headless Chromium with a fresh profile, for tests that look at a page as a person would. The flags keep it off
 * the network: without the background-networking ones it keeps dialling Google's hosts, which this machine refuses.
 */
export async function launchChromium(viewport = { width: 1200, height: 900 }): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'gridlet-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
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
