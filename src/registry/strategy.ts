/**
 * A Strategy is everything that differs between resources (kube's RESTCreateStrategy /
 * RESTUpdateStrategy / RESTDeleteStrategy rolled into one): defaulting, validation, what an update
 * may change, selectable fields and deletion policy. The generic store runs the same steps for
 * every strategy, so adding a resource is one strategy file.
 */
import type { FieldError } from '../api/errors';
import type { GroupResource } from '../api/errors';
import type { KubeObject } from '../api/types';
import type { Printer } from '../api/table/types';
import type { ResourceInfo } from './rest';
import type { FieldSet } from './selectors/field-selector';
import type { NameValidator } from './validation/names';

/** Undo for a side effect taken before a write (e.g. an allocated cluster IP) if the write fails. */
export type Undo = () => Promise<void>;

export interface Strategy {
  readonly info: ResourceInfo;
  readonly validateName: NameValidator;
  /** metadata.generation is 1 on create and bumped when the spec changes (kube does this per kind). */
  readonly tracksGeneration: boolean;
  /** PUT on a missing object creates it (kube: true for nodes? no — only a few kinds). */
  readonly allowCreateOnUpdate: boolean;
  /** PUT without metadata.resourceVersion overwrites instead of failing. */
  readonly allowUnconditionalUpdate: boolean;
  /** Field-selector keys this kind supports (beyond them: 400). */
  readonly selectableFields: readonly string[];
  fieldsOf(obj: KubeObject): FieldSet;
  /** Apply API defaults (mutates); runs on every decoded body, as kube's defaulting does. */
  defaults(obj: KubeObject): void;
  /** Reset fields a create may not set (e.g. status). Mutates. */
  prepareForCreate(obj: KubeObject): void;
  /** Keep the fields this endpoint may not change (status for the main resource, spec for /status). */
  prepareForUpdate(obj: KubeObject, old: KubeObject): void;
  /** Never mutates. */
  validate(obj: KubeObject): FieldError[];
  /** Never mutates. Runs in addition to `validate` of the new object. */
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[];
  /**
   * Graceful deletion: the grace period (seconds) to hold the object with a deletionTimestamp, or
   * undefined for immediate deletion. `requested` is DeleteOptions.gracePeriodSeconds.
   */
  gracePeriod?(obj: KubeObject, requested: number | undefined): number | undefined;
  /** Owners the garbage collector knows: DELETE with propagationPolicy=Orphan adds the `orphan` finalizer. */
  readonly orphansDependents?: boolean;
  /** Side effects before a create/update is stored (allocations); returns how to undo them. */
  beforeStore?(obj: KubeObject, old: KubeObject | undefined, dryRun: boolean): Promise<Undo | undefined>;
  /** Side effects after an object is gone (release allocations). */
  afterDelete?(obj: KubeObject): Promise<void>;
  /** Warnings (kube's WarningsOnCreate / WarningsOnUpdate). */
  warnings?(obj: KubeObject, old: KubeObject | undefined): string[];
  /** Set from the table printers (src/api/table/**); without one, Table requests get the plain object/list. */
  tablePrinter?: Printer;
}

export function groupResourceOf(info: ResourceInfo): GroupResource {
  return { group: info.group, resource: info.resource.split('/')[0]! };
}

export function apiVersionOf(info: ResourceInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/** Defaults every strategy can start from. */
export const baseStrategy = {
  tracksGeneration: false,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  defaults(): void {},
  prepareForCreate(): void {},
  prepareForUpdate(): void {},
  validate(): FieldError[] {
    return [];
  },
  validateUpdate(): FieldError[] {
    return [];
  },
};

/** The fields every kind supports in field selectors. */
export function metaFields(obj: KubeObject, namespaced: boolean): FieldSet {
  const f: FieldSet = { 'metadata.name': obj.metadata?.name ?? '' };
  if (namespaced) f['metadata.namespace'] = obj.metadata?.namespace ?? '';
  return f;
}

export const META_FIELDS = ['metadata.name', 'metadata.namespace'] as const;

export function resourceInfo(
  p: Omit<ResourceInfo, 'version' | 'listKind' | 'verbs'> & { version?: string; verbs?: string[] },
): ResourceInfo {
  return {
    version: 'v1',
    listKind: `${p.kind}List`,
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    ...p,
  };
}
