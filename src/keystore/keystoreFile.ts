import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'
import { type Address, getAddress, type Hex, isAddress } from 'viem'
import { GridletError } from '../core/errors.js'
import { decryptKeystore, type KeystoreV3 } from './keystore.js'

/** Writes a file atomically (temp file + fsync + rename) with the given mode, never readable by others. */
export function writeFileAtomic(path: string, data: string, mode = 0o600): void {
  const tmp = `${path}.tmp-${process.pid}`
  const fd = openSync(tmp, 'wx', mode)
  try {
    writeSync(fd, data)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
}

/** Writes a keystore with mode 0600; refuses to overwrite an existing key. */
export function writeKeystoreFile(path: string, ks: KeystoreV3): void {
  let exists = false
  try {
    statSync(path)
    exists = true
  } catch {}
  if (exists)
    throw new GridletError(`keystore ${path} exists; refusing to overwrite a key`, { code: 'KEYSTORE_EXISTS' })
  writeFileAtomic(path, JSON.stringify(ks, null, 2))
}

/** Where the passphrase comes from, in this order: a file, an env var, an interactive prompt. */
export interface PassphraseSource {
  file?: string
  env?: NodeJS.ProcessEnv
  envVar?: string
  prompt?: PromptIo | false
}

interface PromptIo {
  input: NodeJS.ReadableStream
  output: NodeJS.WritableStream
  /** Ask twice (when creating a key). */
  confirm?: boolean
}

/**
 * Resolves the keystore passphrase: `--passphrase-file` (first line), then `$GRIDLET_PASSPHRASE`, then a prompt on
 * the terminal (input not echoed). Throws `KEYSTORE_NO_PASSPHRASE` when none is available (e.g. under systemd
 * without a credential).
 */
export async function readPassphrase(src: PassphraseSource = {}): Promise<string> {
  if (src.file) {
    let text: string
    try {
      text = readFileSync(src.file, 'utf8')
    } catch (cause) {
      throw new GridletError(`cannot read the passphrase file ${src.file}`, {
        code: 'KEYSTORE_NO_PASSPHRASE',
        field: 'file',
        details: `${(cause as NodeJS.ErrnoException).code ?? cause}: write the passphrase on its first line (mode 0600), or unset GRIDLET_PASSPHRASE_FILE to be asked`,
        cause,
      })
    }
    const pass = text.split(/\r?\n/)[0] ?? ''
    if (!pass) throw new GridletError('passphrase file is empty', { code: 'KEYSTORE_NO_PASSPHRASE', field: 'file' })
    return pass
  }
  const envVar = src.envVar ?? 'GRIDLET_PASSPHRASE'
  const fromEnv = (src.env ?? process.env)[envVar]
  if (fromEnv) return fromEnv
  const tty = process.stdin.isTTY ? { input: process.stdin, output: process.stderr } : undefined
  const prompt: PromptIo | undefined = src.prompt === false ? undefined : (src.prompt ?? tty)
  if (!prompt) {
    throw new GridletError(`no passphrase: set ${envVar}, pass --passphrase-file, or run on a terminal`, {
      code: 'KEYSTORE_NO_PASSPHRASE',
    })
  }
  const first = await ask(prompt.input, prompt.output, 'Keystore passphrase: ')
  if (prompt.confirm) {
    const again = await ask(prompt.input, prompt.output, 'Repeat passphrase: ')
    if (again !== first) throw new GridletError('passphrases differ', { code: 'KEYSTORE_NO_PASSPHRASE' })
  }
  if (!first) throw new GridletError('empty passphrase', { code: 'KEYSTORE_NO_PASSPHRASE' })
  return first
}

function ask(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, question: string): Promise<string> {
  return new Promise((resolve) => {
    output.write(question)
    // Mute echo: readline writes what is typed to `output`; we swallow it.
    const sink = new Writable({ write: (_chunk, _enc, cb) => cb() })
    const rl = createInterface({ input, output: sink, terminal: (input as { isTTY?: boolean }).isTTY === true })
    rl.once('line', (line) => {
      output.write('\n')
      rl.close()
      resolve(line)
    })
  })
}

/**
 * The account a keystore holds, from its public `address` field, without the passphrase (to read balances).
 *
 * @example
 * keystoreAddress('/etc/gridlet/keystore.json') // '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
 */
export function keystoreAddress(path: string): Address {
  let json: { address?: unknown }
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (cause) {
    throw new GridletError(`cannot read keystore ${path}`, { code: 'KEYSTORE_READ', cause })
  }
  const a = typeof json.address === 'string' ? json.address.replace(/^(0x)?/, '0x') : ''
  if (!isAddress(a, { strict: false })) {
    throw new GridletError(`keystore ${path} names no address`, { code: 'KEYSTORE_READ', field: 'address' })
  }
  return getAddress(a)
}

/** Reads and decrypts the keystore at `path`. */
export async function loadKey(path: string, src: PassphraseSource = {}): Promise<Hex> {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (cause) {
    throw new GridletError(`cannot read keystore ${path}`, { code: 'KEYSTORE_READ', cause })
  }
  return decryptKeystore(json, await readPassphrase(src))
}
