export * from './announcements.js'
export * from './codec.js'
export * from './topics.js'
