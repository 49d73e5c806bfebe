/**
 * Builds every served resource (stores, subresources) over one Storage, with the namespace
 * lifecycle rules shared by all namespaced writes, and creates the built-in namespaces.
 */
import { ApiError, errors } from '../api/errors';
import type { KubeObject } from '../api/types';
import type { Storage } from '../storage/interface';
import type { RESTResource, ResourceInfo } from './rest';
import type { NamespaceGate, StoreDeps, StoreLogger, StructuralValidator, WatchSource } from './generic-store';
import { GenericStore } from './generic-store';
import { NamespaceStore } from './namespace-store';
import { BindingREST, SubresourceREST } from './subresources';
import { ScaleREST } from './scale';
import type { Strategy } from './strategy';
import type { Printer } from '../api/table/types';
import { groupResourceOf } from './strategy';
import { getRec, getStr } from './object-util';
import { podBindingStrategy, podInfo, podStatusStrategy, podStrategy } from './strategies/pods';
import type { ServiceAllocators } from './strategies/services';
import { serviceStatusStrategy, serviceStrategy } from './strategies/services';
import { endpointsStrategy } from './strategies/endpoints';
import { eventStrategy } from './strategies/events';
import { rcStatusStrategy, rcStrategy } from './strategies/replicationcontrollers';
import { configMapStrategy } from './strategies/configmaps';
import { secretStrategy } from './strategies/secrets';
import { IMMORTAL_NAMESPACES, namespaceFinalizeStrategy, namespaceStatusStrategy, namespaceStrategy } from './strategies/namespaces';
import { nodeStatusStrategy, nodeStrategy } from './strategies/nodes';
import { leaseStrategy } from './strategies/leases';

export interface RegistryOptions {
  storage: Storage;
  prefix?: string;
  logger?: StoreLogger;
  structural?: StructuralValidator;
  unknownFields?: StoreDeps['unknownFields'];
  serviceAllocators?: ServiceAllocators;
  watchSource?: (store: GenericStore) => WatchSource;
  /** Table printers by resource (src/api/table), attached to the strategies. */
  printers?: Record<string, Printer>;
}

/** `<group>/<version>/<resource>` with '' for the core group, e.g. "/v1/pods/status". */
export function resourceKey(group: string, version: string, resource: string): string {
  return `${group}/${version}/${resource}`;
}

export class Registry {
  readonly resources = new Map<string, RESTResource>();
  readonly stores = new Map<string, GenericStore>();
  readonly namespaces: NamespaceStore;

  constructor(readonly opts: RegistryOptions) {
    const gate: NamespaceGate = (ns, op, info, name) => this.checkNamespace(ns, op, info, name);
    const deps: StoreDeps = {
      storage: opts.storage,
      prefix: opts.prefix,
      logger: opts.logger,
      structural: opts.structural,
      unknownFields: opts.unknownFields,
      namespaceGate: gate,
      watchSource: opts.watchSource,
    };
    this.namespaces = new NamespaceStore(this.withPrinter(namespaceStrategy), deps);
    this.addStore(this.namespaces);
    this.addSub(new SubresourceREST(this.namespaces, namespaceStatusStrategy, { get: true, patch: true }));
    this.addSub(new SubresourceREST(this.namespaces, namespaceFinalizeStrategy, { get: false, patch: false }));

    const pods = this.addStore(new GenericStore(this.withPrinter(podStrategy), deps));
    this.addSub(new SubresourceREST(pods, podStatusStrategy, { get: true, patch: true }));
    this.addSub(new BindingREST({ ...podInfo, resource: 'pods/binding', kind: 'Binding', verbs: ['create'] }, pods, podBindingStrategy));
    this.addSub(
      new BindingREST(
        { ...podInfo, resource: 'bindings', singularName: 'binding', kind: 'Binding', listKind: 'BindingList', verbs: ['create'], shortNames: undefined, categories: undefined },
        pods,
        podBindingStrategy,
      ),
    );

    const services = this.addStore(new GenericStore(this.withPrinter(serviceStrategy(opts.serviceAllocators)), deps));
    this.addSub(new SubresourceREST(services, serviceStatusStrategy(opts.serviceAllocators), { get: true, patch: true }));
    const rcs = this.addStore(new GenericStore(this.withPrinter(rcStrategy), deps));
    this.addSub(new SubresourceREST(rcs, rcStatusStrategy, { get: true, patch: true }));
    // Served under /api/v1 beside its parent, though its kind is autoscaling/v1 Scale.
    this.addSub(new ScaleREST(rcs), { group: '', version: 'v1' });
    const nodes = this.addStore(new GenericStore(this.withPrinter(nodeStrategy), deps));
    this.addSub(new SubresourceREST(nodes, nodeStatusStrategy, { get: true, patch: true }));
    for (const s of [endpointsStrategy, eventStrategy, configMapStrategy, secretStrategy, leaseStrategy]) this.addStore(new GenericStore(this.withPrinter(s), deps));
  }

  /** The strategy with its table printer attached (strategies are shared; never mutate them). */
  private withPrinter(s: Strategy): Strategy {
    const p = this.opts.printers?.[s.info.resource];
    return p ? { ...s, tablePrinter: p } : s;
  }

  private addStore<T extends GenericStore>(store: T): T {
    const i = store.info;
    this.stores.set(resourceKey(i.group, i.version, i.resource), store);
    this.resources.set(resourceKey(i.group, i.version, i.resource), store);
    return store;
  }

  /** `at`: the group/version whose path serves it, when that differs from its kind's (rc/scale). */
  private addSub(r: RESTResource, at?: { group: string; version: string }): void {
    const i = r.info;
    this.resources.set(resourceKey(at?.group ?? i.group, at?.version ?? i.version, i.resource), r);
  }

  /** Resource (or `<resource>/<sub>`) served at group/version, if any. */
  lookup(group: string, version: string, resource: string): RESTResource | undefined {
    return this.resources.get(resourceKey(group, version, resource));
  }

  /** Every served resource and subresource, for discovery. */
  infos(): ResourceInfo[] {
    return [...this.resources.values()].map((r) => r.info);
  }

  /** Strategies, for table printers (src/api/table) to attach `tablePrinter` to. */
  strategies(): Strategy[] {
    return [...this.stores.values()].map((s) => s.strategy);
  }

  /** kube's NamespaceLifecycle admission. */
  private async checkNamespace(ns: string, op: 'create' | 'update', info: ResourceInfo, name: string): Promise<void> {
    // Fast path: the namespaces watch cache, at least as new as this process's own namespace writes.
    // Anything but an Active hit falls back to a storage read (a namespace just created elsewhere).
    if ((await this.cachedNamespacePhase(ns)) === 'Active') return;
    let nsObj: KubeObject;
    try {
      nsObj = await this.namespaces.get({ namespace: '' }, ns);
    } catch (err) {
      if (err instanceof Error && 'reason' in err && (err as { reason: string }).reason === 'NotFound') throw errors.notFound({ group: '', resource: 'namespaces' }, ns);
      throw err;
    }
    if (op === 'create' && getStr(getRec(nsObj, 'status'), 'phase') === 'Terminating') {
      const detail = `unable to create new content in namespace ${ns} because it is being terminated`;
      const err = errors.forbidden(groupResourceOf(info), name, detail);
      if (name) throw err;
      // kube's NewForbidden leaves out the name when there is none yet (generateName).
      throw new ApiError({ ...err.status, message: `${groupResourceOf(info).resource} is forbidden: ${detail}` });
    }
  }

  /** status.phase from the cached namespace's selectable fields: no decode of the object per write. */
  private async cachedNamespacePhase(ns: string): Promise<string | undefined> {
    if (!this.opts.watchSource) return undefined;
    try {
      const source = this.namespaces.watchSource();
      if (!source.getAtLeast) return undefined;
      return (await source.getAtLeast(this.namespaces.keyFor('', ns), this.namespaces.lastWriteRevision))?.attrs.fields['status.phase'];
    } catch {
      return undefined;
    }
  }

  /** Create default, kube-system and kube-public when missing. */
  async bootstrap(): Promise<void> {
    for (const name of IMMORTAL_NAMESPACES) {
      try {
        await this.namespaces.create({ namespace: '' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { dryRun: false, fieldValidation: 'Ignore' });
      } catch (err) {
        if (err instanceof Error && 'reason' in err && (err as { reason: string }).reason === 'AlreadyExists') continue;
        throw err;
      }
    }
  }
}

