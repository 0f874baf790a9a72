import { expect } from 'vitest'
import { GridletError } from '../../src/core/errors.js'

/** The GridletError `fn` throws (failing the test when it throws something else or nothing), to assert its fields. */
export function errorOf(fn: () => unknown): GridletError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(GridletError)
    return err as GridletError
  }
  throw new Error('expected an error')
}
