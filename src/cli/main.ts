import { createProgram } from './program.js'

/** The `gridlet` executable. */
await createProgram()
  .exitOverride((err) => process.exit(err.exitCode))
  .parseAsync(process.argv)
