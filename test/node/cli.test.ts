import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/loadConfig.js'
import { loadKey } from '../../src/keystore/keystoreFile.js'

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts')
const gridlet = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  })

// Every `gridlet` run starts tsx and the CLI afresh: 3-8 s each on a loaded 2-core machine, four in the first test.
describe('gridlet init / node (CLI)', { timeout: 90_000 }, () => {
  it('init writes a 0600 keystore and a valid commented config; node names the bad field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridlet-cli-'))
    const config = join(dir, 'gridlet.yaml')
    writeFileSync(join(dir, 'pass'), 'hunter2 but longer\n')
    const init = gridlet([
      'init',
      '-c',
      config,
      '--passphrase-file',
      join(dir, 'pass'),
      '--scrypt-n',
      '4096',
      '--meter-port',
      '1502',
    ])
    expect(init.status).toBe(0)
    const account = /account\s+(0x[0-9a-fA-F]{40})/.exec(init.stdout)?.[1]
    expect(account).toBeDefined()
    expect(statSync(join(dir, 'keystore.json')).mode & 0o777).toBe(0o600)
    expect(readFileSync(config, 'utf8')).toContain('# Seconds between polls')
    expect(loadConfig(config).meter.port).toBe(1502)
    expect(gridlet(['init', '-c', config, '--passphrase-file', join(dir, 'pass')]).status).not.toBe(0) // no overwrite

    writeFileSync(join(dir, 'bad.yaml'), 'market:\n  intervalS: 700\n')
    const bad = gridlet(['node', '-c', join(dir, 'bad.yaml')])
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('Field: market.intervalS')
    return loadKey(join(dir, 'keystore.json'), { file: join(dir, 'pass') }).then((pk) => expect(pk).toMatch(/^0x/))
  })

  it('init refuses a weak --scrypt-n before it makes a key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridlet-cli-'))
    writeFileSync(join(dir, 'pass'), 'hunter2 but longer\n')
    const init = gridlet([
      'init',
      '-c',
      join(dir, 'gridlet.yaml'),
      '--passphrase-file',
      join(dir, 'pass'),
      '--scrypt-n',
      '2',
    ])
    expect(init.status).not.toBe(0)
    expect(init.stderr).toContain("option '--scrypt-n <n>' argument '2' is invalid")
    expect(init.stderr).toContain('power of two from 4096 to 1048576')
    expect(existsSync(join(dir, 'keystore.json'))).toBe(false)
  })
})
