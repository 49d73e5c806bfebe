/**
 * Discovery documents built from the served resources: legacy (`APIVersions`, `APIGroupList`,
 * `APIGroup`, `APIResourceList`) and aggregated (`apidiscovery.k8s.io` v2 / v2beta1
 * `APIGroupDiscoveryList`). Pure functions; the router only picks one and writes it.
 */
import type { ResourceInfo } from '../../registry/rest';

export interface DiscoveryConfig {
  /** Every served resource and subresource (`pods/status`), in the order they should be listed. */
  resources: ResourceInfo[];
  /**
   * Core ("legacy") versions announced in `/api`, preferred first. Defaults to ['v1']. Only list a
   * version whose resources are in `resources`: client-go fetches a non-v1 core version's list from
   * `/apis/<version>`, and a missing or empty list there breaks every kubectl command (wire notes §3b/§13).
   */
  coreVersions?: string[];
}

export type AggregatedVersion = 'v2' | 'v2beta1';

interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

export interface APIResourceList {
  kind: 'APIResourceList';
  apiVersion: 'v1';
  groupVersion: string;
  resources: APIResource[];
}

export interface GroupVersionForDiscovery {
  groupVersion: string;
  version: string;
}

export interface APIGroup {
  kind: 'APIGroup';
  apiVersion: 'v1';
  name: string;
  versions: GroupVersionForDiscovery[];
  preferredVersion: GroupVersionForDiscovery;
}

export interface APIGroupList {
  kind: 'APIGroupList';
  apiVersion: 'v1';
  groups: Array<Omit<APIGroup, 'kind' | 'apiVersion'>>;
}

export interface APIVersions {
  kind: 'APIVersions';
  versions: string[];
  serverAddressByClientCIDRs: Array<{ clientCIDR: string; serverAddress: string }>;
}

export interface APISubresourceDiscovery {
  subresource: string;
  responseKind: GroupVersionKind;
  verbs: string[];
}

export interface APIResourceDiscovery {
  resource: string;
  responseKind: GroupVersionKind;
  scope: 'Namespaced' | 'Cluster';
  singularResource: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: APISubresourceDiscovery[];
}

export interface APIVersionDiscovery {
  version: string;
  resources: APIResourceDiscovery[];
  freshness: 'Current';
}

export interface APIGroupDiscovery {
  metadata: { name?: string };
  versions: APIVersionDiscovery[];
}

export interface APIGroupDiscoveryList {
  kind: 'APIGroupDiscoveryList';
  apiVersion: `apidiscovery.k8s.io/${AggregatedVersion}`;
  metadata: Record<string, never>;
  items: APIGroupDiscovery[];
}

/** One group-version's resources with their subresources attached. */
interface VersionIndex {
  group: string;
  version: string;
  resources: ResourceInfo[];
  subresources: Map<string, ResourceInfo[]>;
}

export class DiscoveryModel {
  private readonly byGroup = new Map<string, Map<string, VersionIndex>>();
  readonly coreVersions: string[];

  constructor(config: DiscoveryConfig) {
    const top = config.resources.filter((r) => !r.resource.includes('/'));
    for (const r of top) this.slot(r.group, r.version).resources.push(r);
    for (const sub of config.resources.filter((r) => r.resource.includes('/'))) {
      const parentName = sub.resource.split('/')[0]!;
      // A subresource lives beside its parent; its own group/version may differ (rc/scale is autoscaling/v1).
      const parent =
        top.find((p) => p.resource === parentName && p.group === sub.group && p.version === sub.version) ??
        top.find((p) => p.resource === parentName && p.group === '' && p.version === 'v1') ??
        top.find((p) => p.resource === parentName);
      if (!parent) continue;
      const slot = this.slot(parent.group, parent.version);
      const list = slot.subresources.get(parentName) ?? [];
      list.push(sub);
      slot.subresources.set(parentName, list);
    }
    const served = [...(this.byGroup.get('')?.keys() ?? [])];
    this.coreVersions = (config.coreVersions ?? ['v1']).filter((v) => served.includes(v));
  }

  private slot(group: string, version: string): VersionIndex {
    let versions = this.byGroup.get(group);
    if (!versions) {
      versions = new Map();
      this.byGroup.set(group, versions);
    }
    let v = versions.get(version);
    if (!v) {
      v = { group, version, resources: [], subresources: new Map() };
      versions.set(version, v);
    }
    return v;
  }

  /** Named groups (not core), in first-registration order; versions preferred first. */
  groups(): Array<{ name: string; versions: string[] }> {
    return [...this.byGroup.entries()].filter(([g]) => g !== '').map(([name, vs]) => ({ name, versions: [...vs.keys()] }));
  }

  hasGroupVersion(group: string, version: string): boolean {
    if (group === '') return this.coreVersions.includes(version);
    return this.byGroup.get(group)?.has(version) ?? false;
  }

  /** Only the preferred core version carries shortNames/categories, so kubectl shows no duplicates. */
  private isSecondaryCore(group: string, version: string): boolean {
    return group === '' && this.coreVersions[0] !== version;
  }

  apiVersions(serverAddress: string): APIVersions {
    return { kind: 'APIVersions', versions: this.coreVersions, serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
  }

  apiGroup(name: string): APIGroup | undefined {
    const g = this.groups().find((x) => x.name === name);
    if (!g) return undefined;
    const versions = g.versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
    return { kind: 'APIGroup', apiVersion: 'v1', name, versions, preferredVersion: versions[0]! };
  }

  apiGroupList(): APIGroupList {
    const groups = this.groups().map((g) => {
      const { kind: _k, apiVersion: _a, ...rest } = this.apiGroup(g.name)!;
      return rest;
    });
    return { kind: 'APIGroupList', apiVersion: 'v1', groups };
  }

  apiResourceList(group: string, version: string): APIResourceList | undefined {
    if (!this.hasGroupVersion(group, version)) return undefined;
    const idx = this.byGroup.get(group)!.get(version)!;
    const secondary = this.isSecondaryCore(group, version);
    const resources: APIResource[] = [];
    for (const r of idx.resources) {
      const entry: APIResource = { name: r.resource, singularName: r.singularName, namespaced: r.namespaced, kind: r.kind, verbs: [...r.verbs] };
      if (!secondary && r.shortNames?.length) entry.shortNames = [...r.shortNames];
      if (!secondary && r.categories?.length) entry.categories = [...r.categories];
      resources.push(entry);
      for (const sub of idx.subresources.get(r.resource) ?? []) {
        const gvk = responseKind(sub);
        const s: APIResource = { name: sub.resource, singularName: '', namespaced: r.namespaced, kind: gvk.kind, verbs: [...sub.verbs] };
        if (gvk.group !== group || gvk.version !== version) {
          s.group = gvk.group;
          s.version = gvk.version;
        }
        resources.push(s);
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
  }

  aggregated(scope: 'core' | 'groups', apiVersion: AggregatedVersion): APIGroupDiscoveryList {
    const items: APIGroupDiscovery[] = [];
    if (scope === 'core') {
      if (this.coreVersions.length > 0) {
        items.push({ metadata: {}, versions: this.coreVersions.map((v) => this.versionDiscovery('', v)) });
      }
    } else {
      for (const g of this.groups()) items.push({ metadata: { name: g.name }, versions: g.versions.map((v) => this.versionDiscovery(g.name, v)) });
    }
    return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${apiVersion}`, metadata: {}, items };
  }

  private versionDiscovery(group: string, version: string): APIVersionDiscovery {
    const idx = this.byGroup.get(group)!.get(version)!;
    const secondary = this.isSecondaryCore(group, version);
    const resources = idx.resources.map((r): APIResourceDiscovery => {
      const d: APIResourceDiscovery = {
        resource: r.resource,
        responseKind: { group: r.group, version: r.version, kind: r.kind },
        scope: r.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: r.singularName,
        verbs: [...r.verbs],
      };
      if (!secondary && r.shortNames?.length) d.shortNames = [...r.shortNames];
      if (!secondary && r.categories?.length) d.categories = [...r.categories];
      const subs = idx.subresources.get(r.resource) ?? [];
      if (subs.length > 0) {
        d.subresources = subs.map((s) => ({ subresource: s.resource.slice(s.resource.indexOf('/') + 1), responseKind: responseKind(s), verbs: [...s.verbs] }));
      }
      return d;
    });
    return { version, resources, freshness: 'Current' };
  }
}

/** The kind a subresource answers with; core has no Scale kind, so a core `Scale` means autoscaling/v1's. */
function responseKind(r: ResourceInfo): GroupVersionKind {
  if (r.kind === 'Scale' && r.group === '') return { group: 'autoscaling', version: 'v1', kind: 'Scale' };
  return { group: r.group, version: r.version, kind: r.kind };
}
