import type { Migration } from './openStore.js'

/**
 * The node's schema, append-only: a released step is never edited, a change is a new step.
 * Quantities and token amounts are stored as decimal TEXT (they can exceed 2^53); JSON columns use `toJson`.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    up: (db) =>
      db.exec(`
        CREATE TABLE readings (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          ts INTEGER NOT NULL,
          power_w INTEGER NOT NULL,
          import_wh INTEGER NOT NULL,
          export_wh INTEGER NOT NULL
        );
        CREATE INDEX readings_ts ON readings (ts);

        -- The strategy ran for this interval: its orders (possibly none) are in own_orders. Written in the same
        -- transaction as the signed orders, before anything is published, so a restart never decides twice.
        CREATE TABLE decisions (
          interval INTEGER PRIMARY KEY,
          decided_ms INTEGER NOT NULL,
          forecast_net_wh INTEGER NOT NULL,
          note TEXT
        );
        CREATE TABLE own_orders (
          interval INTEGER NOT NULL REFERENCES decisions (interval),
          nonce INTEGER NOT NULL,
          order_id TEXT NOT NULL UNIQUE,
          side INTEGER NOT NULL,
          quantity_wh TEXT NOT NULL,
          limit_price TEXT NOT NULL,
          signed TEXT NOT NULL,
          published_ms INTEGER,
          PRIMARY KEY (interval, nonce)
        );
        CREATE TABLE received_orders (
          interval INTEGER NOT NULL,
          order_id TEXT NOT NULL,
          account TEXT NOT NULL,
          nonce INTEGER NOT NULL,
          signed TEXT NOT NULL,
          received_ms INTEGER NOT NULL,
          PRIMARY KEY (interval, order_id)
        );
        -- status: cleared -> queued (in the settlement outbox) | nothing (no trade of ours) | disputed (peers differ)
        CREATE TABLE results (
          interval INTEGER PRIMARY KEY,
          root TEXT NOT NULL,
          result TEXT NOT NULL,
          order_count INTEGER NOT NULL,
          status TEXT NOT NULL,
          peers_agreeing INTEGER NOT NULL DEFAULT 0,
          peers_differing INTEGER NOT NULL DEFAULT 0,
          created_ms INTEGER NOT NULL
        );
        -- After an interval: what the meter measured against what was traded.
        CREATE TABLE interval_summaries (
          interval INTEGER PRIMARY KEY,
          measured_net_wh INTEGER,
          forecast_net_wh INTEGER,
          traded_net_wh INTEGER NOT NULL,
          imbalance_wh INTEGER,
          earnings TEXT NOT NULL,
          created_ms INTEGER NOT NULL
        );
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      `),
  },
  {
    version: 2,
    name: 'interval energy flows',
    // The forecaster learns imports and exports separately; the net alone loses that.
    up: (db) =>
      db.exec(`
        ALTER TABLE interval_summaries ADD COLUMN measured_import_wh INTEGER;
        ALTER TABLE interval_summaries ADD COLUMN measured_export_wh INTEGER;
      `),
  },
  {
    version: 3,
    name: 'result attestations',
    // The contract pays an interval only with a quorum's signed votes for its root: they are kept with the result,
    // because the hand-off to settlement may happen after a restart, long after the gossip that carried them.
    up: (db) => db.exec(`ALTER TABLE results ADD COLUMN attestations TEXT NOT NULL DEFAULT '[]';`),
  },
]
