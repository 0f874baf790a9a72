import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { type Command, InvalidArgumentError, Option } from 'commander'
import type { Address, Hex } from 'viem'
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts'
import { GridletError } from '../core/errors.js'
import { DEFAULT_SCRYPT, encryptKeystore, scryptProblem } from '../keystore/keystore.js'
import { keystoreAddress, readPassphrase, writeKeystoreFile } from '../keystore/keystoreFile.js'
import { type CliIo, run, terminalIo } from './cliIo.js'

/** `--scrypt-n`, judged by the keystore's own bounds (with the r and p written) before any key is made. */
export function scryptNArg(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN
  const problem = scryptProblem({ ...DEFAULT_SCRYPT, n })
  if (problem) throw new InvalidArgumentError(problem.details.replace(/, got .*$/, ''))
  return n
}

/**
 * Creates an encrypted V3 keystore (mode 0600, never overwriting one) with a new key or an imported one, and
 * returns its account. The passphrase comes from a file, $GRIDLET_PASSPHRASE, or the terminal (asked twice).
 *
 * @example
 * const account = await createKeystore({ path: 'operator.json', passphraseFile: 'pass' })
 */
export async function createKeystore(opts: {
  path: string
  importKeyFile?: string
  passphraseFile?: string
  scryptN?: number
}): Promise<Address> {
  if (existsSync(opts.path)) {
    throw new GridletError(`keystore ${opts.path} exists; refusing to overwrite a key`, { code: 'KEYSTORE_EXISTS' })
  }
  const privateKey = opts.importKeyFile
    ? (readFileSync(opts.importKeyFile, 'utf8').trim() as Hex)
    : generatePrivateKey()
  if (!/^0x[0-9a-fA-F]{64}$/.test(privateKey)) {
    throw new GridletError('imported key must be 0x + 64 hex digits', { code: 'CLI_USAGE', field: 'import-key-file' })
  }
  const passphrase = await readPassphrase({
    file: opts.passphraseFile,
    prompt: process.stdin.isTTY ? { input: process.stdin, output: process.stderr, confirm: true } : undefined,
  })
  mkdirSync(dirname(opts.path), { recursive: true })
  writeKeystoreFile(
    opts.path,
    encryptKeystore(privateKey, passphrase, { ...DEFAULT_SCRYPT, n: opts.scryptN ?? DEFAULT_SCRYPT.n }),
  )
  return privateKeyToAddress(privateKey)
}

/** Registers `gridlet key new` and `gridlet key address`. */
export function registerKeyCommands(program: Command, io: CliIo = terminalIo): void {
  const key = program.command('key').description('encrypted keystores (the operator key, a household key)')
  const keystore = () =>
    new Option('-k, --keystore <file>', 'keystore file').env('GRIDLET_KEYSTORE').makeOptionMandatory()
  key
    .command('new')
    .description('create an encrypted V3 keystore (mode 0600) with a new key, or an imported one')
    .addOption(keystore())
    .addOption(
      new Option('--passphrase-file <path>', 'read the passphrase from this file').env('GRIDLET_PASSPHRASE_FILE'),
    )
    .option('--import-key-file <path>', 'encrypt this existing private key (hex) instead of generating one')
    .option('--scrypt-n <n>', 'scrypt cost (power of two, 4096 to 1048576)', scryptNArg, DEFAULT_SCRYPT.n)
    .action(
      run(io, async (o: { keystore: string; passphraseFile?: string; importKeyFile?: string; scryptN: number }) => {
        const account = await createKeystore({ path: o.keystore, ...o })
        io.out(`account  ${account}`)
        io.out(`keystore ${o.keystore} (mode 0600)`)
      }),
    )
  key
    .command('address')
    .description("print a keystore's account (no passphrase needed)")
    .addOption(keystore())
    .action(run(io, async (o: { keystore: string }) => io.out(keystoreAddress(o.keystore))))
}
