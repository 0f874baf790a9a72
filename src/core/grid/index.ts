export { type CompiledNetwork, compileNetwork } from './compileNetwork.js'
export {
  type ElementFlowLimit,
  type ElementLimits,
  type EnvelopeFlowLimit,
  ratingLimits,
  withEnvelope,
} from './elementLimits.js'
export { type CableType, type GenerateNetworkOptions, generateNetwork, NAYY_150 } from './generateNetwork.js'
export { type HostingOptions, hostingLimits, tighterLimits } from './hostingLimits.js'
export { type FeederLevel, type GridLevel, type GridLevels, gridLevels } from './levels.js'
export { parseNetwork } from './parseNetwork.js'
export { createPowerFlow, type PowerFlowResult, type PowerFlowSolver, toBusPowers } from './powerFlow.js'
export { createSiteEnvelopes, type SiteEnvelopeAllocator, type SiteEnvelopes, type SiteNeeds } from './siteEnvelopes.js'
export type { Bus, Connection, GridNetwork, Line, Transformer } from './types.js'
