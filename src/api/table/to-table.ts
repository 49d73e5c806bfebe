/**
 * Server-side printing: objects of a resource → a meta.k8s.io Table with kube-apiserver's columns
 * (all columns, wide ones at priority 1) and row objects per `includeObject`.
 */
import type { ListMeta } from 'kubernetes-types/meta/v1';
import type { KubeObject } from '../types';
import { eventPrinter } from './event-printer';
import { nodePrinter } from './node-printer';
import { podPrinter } from './pod-printer';
import { endpointsPrinter, servicePrinter } from './service-printer';
import { configMapPrinter, defaultPrinter, leasePrinter, namespacePrinter, replicationControllerPrinter, secretPrinter } from './simple-printers';
import type { IncludeObject, Printer, Table, TableColumnDefinition, TableRow } from './types';

/** kube-apiserver's printers by resource (plural); resources not listed use `defaultPrinter`. */
export const defaultPrinters: Readonly<Record<string, Printer>> = {
  pods: podPrinter,
  services: servicePrinter,
  endpoints: endpointsPrinter,
  nodes: nodePrinter,
  namespaces: namespacePrinter,
  events: eventPrinter,
  replicationcontrollers: replicationControllerPrinter,
  configmaps: configMapPrinter,
  secrets: secretPrinter,
  leases: leasePrinter,
};

/** The printer for a resource (plural name; a `pods/status` subresource prints like pods). */
export function printerFor(resource: string): Printer {
  return defaultPrinters[resource.split('/')[0]!] ?? defaultPrinter;
}

export interface ToTableOptions {
  includeObject: IncludeObject;
  /** Table apiVersion asked for in the Accept header; default v1. */
  version?: 'v1' | 'v1beta1';
  /** resourceVersion / continue / remainingItemCount of the list the rows come from. */
  listMeta?: ListMeta;
  /** False for watch events after the first (kube sends column definitions once per watch). */
  includeColumnDefinitions?: boolean;
  /** Clock for AGE cells. */
  now?: Date;
}

export function toTable(resource: string, objects: KubeObject[], opts: ToTableOptions): Table {
  const printer = printerFor(resource);
  const version = opts.version ?? 'v1';
  const now = opts.now ?? new Date();
  const rows = objects.map((o): TableRow => {
    const row: TableRow = { cells: printer.cells(o, now) };
    const object = rowObject(o, opts.includeObject, version);
    if (object) row.object = object;
    return row;
  });
  const columnDefinitions: TableColumnDefinition[] = opts.includeColumnDefinitions === false ? [] : printer.columns.map((c) => ({ ...c }));
  return { kind: 'Table', apiVersion: `meta.k8s.io/${version}`, metadata: { ...(opts.listMeta ?? {}) }, columnDefinitions, rows };
}

function rowObject(o: KubeObject, include: IncludeObject, version: 'v1' | 'v1beta1'): KubeObject | undefined {
  switch (include) {
    case 'None':
      return undefined;
    case 'Object':
      return o;
    case 'Metadata':
      // kubectl builds NAMESPACE (-A) and LABELS (--show-labels) from this metadata.
      return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: o.metadata ?? {} };
  }
}

/** Parses the `includeObject` query parameter (kube's default is Metadata). */
export function parseIncludeObject(v: unknown): IncludeObject {
  return v === 'None' || v === 'Object' || v === 'Metadata' ? v : 'Metadata';
}
