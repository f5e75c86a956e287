export type { TeePlatform } from './types.js'
