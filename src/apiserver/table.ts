/** Render objects as a meta.k8s.io Table with a printer from src/api/table (kubectl's `get`). */
import type { KubeObject, ListMeta } from '../api/types';
import type { Printer, Table } from '../api/table/types';

export function toTable(printer: Printer, items: KubeObject[], meta: ListMeta, includeObject: string | null, version: 'v1' | 'v1beta1', withColumns: boolean): Table {
  const now = new Date();
  const mode = includeObject === 'None' || includeObject === 'Object' ? includeObject : 'Metadata';
  return {
    kind: 'Table',
    apiVersion: version === 'v1beta1' ? 'meta.k8s.io/v1beta1' : 'meta.k8s.io/v1',
    metadata: meta,
    // Watch events after the first carry no columns, as kube's do.
    columnDefinitions: withColumns ? printer.columns : [],
    rows: items.map((obj) => {
      const row: Table['rows'][number] = { cells: printer.cells(obj, now) };
      if (mode === 'Object') row.object = obj;
      else if (mode === 'Metadata') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
      return row;
    }),
  };
}
