import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { GridletError } from '../core/errors.js'

/** One schema step. Steps run in order, each in its own transaction, and are recorded in `PRAGMA user_version`. */
export interface Migration {
  readonly version: number
  readonly name: string
  up(db: DatabaseSync): void
}

/** A component that owns tables in the node's database (the settlement outbox) and migrates them itself. */
export interface ExternalSchema {
  readonly name: string
  migrate(db: DatabaseSync): void
}

/**
 * Opens (creating if needed) the node's SQLite database: WAL journal, `synchronous = FULL` so a committed write
 * survives a power cut, foreign keys on, then runs pending migrations and the external schemas.
 *
 * @example
 * const db = openDatabase('/var/lib/gridlet/gridlet.sqlite', MIGRATIONS, [batcher])
 */
export function openDatabase(
  path: string,
  migrations: readonly Migration[],
  external: readonly ExternalSchema[] = [],
): DatabaseSync {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  let db: DatabaseSync
  try {
    db = new DatabaseSync(path, { timeout: 5000 })
  } catch (cause) {
    throw new GridletError(`cannot open store ${path}`, { code: 'STORE_OPEN', field: 'store.path', cause })
  }
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;')
  migrate(db, migrations)
  for (const schema of external) {
    transaction(db, () => schema.migrate(db))
  }
  return db
}

/** Runs the migrations newer than the database's `user_version`; refuses a database from a newer gridlet. */
export function migrate(db: DatabaseSync, migrations: readonly Migration[]): void {
  const current = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version)
  const latest = migrations.at(-1)?.version ?? 0
  if (current > latest) {
    throw new GridletError('store was written by a newer gridlet', {
      code: 'STORE_VERSION',
      details: `schema version ${current}, this build knows up to ${latest}`,
    })
  }
  for (const m of migrations) {
    if (m.version <= current) continue
    transaction(db, () => {
      m.up(db)
      db.exec(`PRAGMA user_version = ${m.version}`)
    })
  }
}

/** Runs `fn` in an IMMEDIATE transaction: all of its writes land, or none. Nested calls join the outer one. */
export function transaction<T>(db: DatabaseSync, fn: () => T): T {
  if (db.isTransaction) return fn()
  db.exec('BEGIN IMMEDIATE')
  try {
    const out = fn()
    db.exec('COMMIT')
    return out
  } catch (err) {
    db.exec('ROLLBACK')
    throw err
  }
}
