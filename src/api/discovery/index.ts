export { discoveryRouter, negotiateDiscovery, aggregatedContentType } from './router';
export type { DiscoveryRouterOptions } from './router';
export { DiscoveryModel } from './documents';
export type { DiscoveryConfig, APIResourceList, APIGroupDiscoveryList, APIGroupList, APIVersions } from './documents';
export { parseMediaRanges, rangeMatches } from './media-ranges';
export type { MediaRange } from './media-ranges';
