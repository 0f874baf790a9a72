import { CommanderError } from 'commander'
import { createProgram } from './program.js'

/** The `gridlet` executable: a usage error (or --help) exits with commander's code. */
try {
  await createProgram().parseAsync(process.argv)
} catch (err) {
  if (!(err instanceof CommanderError)) throw err
  process.exit(err.exitCode)
}
