export { createStrategy, STRATEGY_NAMES, type StrategyName, type StrategyOptions } from './createStrategy.js'
export { type Delivery, deliverBattery } from './deliverBattery.js'
export { energyAmount } from './energyAmount.js'
export {
  type DailyNeed,
  dailySessions,
  FlexibleLoads,
  type FlexSession,
  needFrom,
  runImmediately,
} from './flexibleLoads.js'
export { forecastAware, netQuantile } from './forecastAware.js'
export { type DeferrableNeed, deferrableCosts, type EnergyCost, planDeferrable } from './planDeferrable.js'
export { PriceMemory } from './priceMemory.js'
export { type Imbalance, type ImbalanceInput, settleImbalance } from './settleImbalance.js'
export { bandPriceAt, type DayPrice, minuteOfDay, type PriceBand, type TariffSchedule, tariffAt } from './tariffAt.js'
export { truthful } from './truthful.js'
export * from './types.js'
export { type ZeroIntelligenceOptions, zeroIntelligence } from './zeroIntelligence.js'
