#!/usr/bin/env node
// Entry point for the `gridlet` command in a checkout: registers tsx so the TypeScript sources run as they are.
// (Deployments run the bundle from `npm run build`, dist/cli/gridlet.mjs, see deploy/gridlet.service.)
import { register } from 'tsx/esm/api'

// node:sqlite still announces itself as experimental on every start; the store depends on it on purpose.
const emitWarning = process.emitWarning
process.emitWarning = (warning, ...rest) => {
  if (String(warning).includes('SQLite')) return
  return emitWarning.call(process, warning, ...rest)
}

register()
await import('../src/cli/main.ts')
