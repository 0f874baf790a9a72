export { createForecaster } from './createForecaster.js'
export { type EvalSeries, type ModelSummary, rollingOrigin, summarize } from './rollingOrigin.js'
export * from './types.js'
