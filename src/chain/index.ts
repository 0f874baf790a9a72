/** The chain adapter: settlement contract access, the local dev chain, and the settlement batcher. */
export { type Anvil, anvilBinary, freePort, type StartAnvilOptions, startAnvil } from './anvil.js'
export { Batcher, type BatcherInit, type ClearedInterval, submitterOrder } from './batcher.js'
export { localChain, settlementAbi, settlementArtifact, testTokenAbi, testTokenArtifact } from './contracts.js'
export { type DeployMarketArgs, deployMarket, type MarketContracts } from './deployMarket.js'
export { ANVIL_TEST_MNEMONIC, type DevKey, devKeys } from './devAccounts.js'
export {
  DEV_KEY_WARNING,
  type DevChain,
  type DevChainConfig,
  type DevHousehold,
  devChainConfigSchema,
  loadDevChainConfig,
  parseDevChainConfig,
  type StartDevChainOptions,
  startDevChain,
  writeDevChainConfig,
} from './devChain.js'
export {
  encodeSettlement,
  encodeTrades,
  rootOfTrades,
  type SettlementBatch,
  type SettlementTrade,
  settlementRoot,
} from './encodeSettlement.js'
export { ChainError, ChainErrorCode } from './errors.js'
export { migrateOutbox, Outbox, type OutboxEntry, type OutboxState } from './outbox.js'
export { readHouseholds } from './readHouseholds.js'
export { decodeRevert, type SettleBatchArgs, settleBatch, toChainError } from './settleBatch.js'
