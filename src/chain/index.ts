/** The chain adapter: settlement contract access, the local dev chain, and the settlement batcher. */
export { type Anvil, anvilBinary, freePort, type StartAnvilOptions, startAnvil } from './anvil.js'
export { Batcher, type BatcherInit, type ClearedInterval, submitterOrder } from './batcher.js'
export { localChain, settlementAbi, settlementArtifact, testTokenAbi, testTokenArtifact } from './contracts.js'
export {
  DEFAULT_SETTLEMENT_TIMING,
  type DeployMarketArgs,
  deployMarket,
  type MarketContracts,
  type SettlementTiming,
} from './deployMarket.js'
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
  type Agreement,
  type Attestation,
  type EncodeSettlementOptions,
  encodeSettlement,
  encodeTrades,
  rootOfResult,
  type SettlementBatch,
  type SettlementTrade,
} from './encodeSettlement.js'
export { ChainError, ChainErrorCode } from './errors.js'
export { followClock } from './followClock.js'
export { migrateOutbox, Outbox, type OutboxEntry, type OutboxState } from './outbox.js'
export { readHouseholds } from './readHouseholds.js'
export { decodeRevert, type SettleBatchArgs, settleArgs, settleBatch, toChainError } from './settleBatch.js'
export { signAttestations } from './signAttestations.js'
