export { accountOf, recoverAccount, signAccountMessage } from './accountSig.js'
export { type AgreementRules, agreementRules, finalSet, majorityQuorum, rulesFor, tally } from './agreement.js'
export {
  BINDING_PROTOCOL,
  BindingCode,
  bindingMessage,
  DEFAULT_MAX_PEERS_PER_ACCOUNT,
  type HouseholdRegistry,
  PeerBindings,
  signPeerBinding,
  verifyPeerBinding,
} from './binding.js'
export { createLibp2pNode, type GridletLibp2p, marketScoreParams, pubsubOf } from './createLibp2pNode.js'
export {
  type AgreementTiming,
  createMarketNode,
  DEFAULT_TIMING,
  derivePeerKey,
  type IntervalOutcome,
  type MarketNode,
  type MarketNodeInit,
  type MarketNodeStats,
  type OrderSource,
  type ResultAttestation,
} from './createMarketNode.js'
export { type FaultInjector, faultInjector, seededRandom } from './faults.js'
export { MarketService, marketService } from './marketService.js'
export { RECONCILE_PROTOCOL } from './reconcile.js'
export { GossipCode, type Judgement, Verdict } from './validation.js'
