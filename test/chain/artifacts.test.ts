import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { ARTIFACTS_PATH, buildArtifacts } from '../../protocols/contracts/build.js'

it('the committed contract artifacts match the Solidity sources (run npm run contracts:build)', () => {
  const committed = readFileSync(join(import.meta.dirname, '..', '..', ARTIFACTS_PATH), 'utf8')
  expect(buildArtifacts() === committed, `${ARTIFACTS_PATH} is stale: run npm run contracts:build`).toBe(true)
}, 120_000) // solc (viaIR, optimizer) takes ~30 s on two shared cores
