/**
 * The legacy v1beta1 API (Kubernetes 0.14, as served by kubernetes-mesos km in 2015) beside v1.
 * v1 is the stored form; everything here converts v1beta1 bodies in and out of it.
 */
export { toV1, toV1ForUpdate, fromV1, CONVERTIBLE_KINDS } from './convert';
export { listFromV1, listToV1, watchEventFromV1, convertWatcher } from './list';
export type { ListContext } from './list';
export { statusFromV1, statusToV1 } from './status';
export { validate, validationErrors } from './validation';
export { applyDefaults } from './defaults';
export { fieldPathToV1beta1 } from './field-paths';
export { fieldSelectorToV1, labelSelectorToV1 } from './selectors';
export { resources, resourceForKind, selfLink } from './resources';
export type { V1beta1Resource } from './resources';
export { V1BETA1_FIELDS_ANNOTATION } from './common';
export { v1beta1ResourceInfos } from './discovery';
export { v1beta1Router } from './router';
export type { V1beta1RouterDeps } from './router';
export { attachV1beta1WebSocketWatch, watchForUrl } from './watch-target';
