export { toTable, printerFor, parseIncludeObject, defaultPrinters } from './to-table';
export { defaultPrinter } from './simple-printers';
export type { ToTableOptions } from './to-table';
export { negotiateTable } from './accept';
export type { OutputForm } from './accept';
export { humanDuration, timestampSince, formatLabels } from './human-duration';
export type { Table, TableRow, TableColumnDefinition, IncludeObject, Printer } from './types';
