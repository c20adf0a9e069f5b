/** A column the results table sorts by. */
export type SortKey = 'order' | 'file' | 'probability';

/** The sort of the results table: a column and a direction. */
export interface SortState {
  readonly key: SortKey;
  readonly descending: boolean;
}

/** What a row needs for sorting: its file name, its place in the drop order, its probability (undefined for a rejected file). */
export interface SortableRow {
  readonly order: number;
  readonly file: string;
  readonly probability: number | undefined;
}

/**
 * Rows in the table's order: by the column, ties by drop order; rows without a probability (files
 * that could not be used, or still running) always last, in drop order.
 */
export function sortRows<R extends SortableRow>(rows: readonly R[], sort: SortState): R[] {
  const sign = sort.descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    if (sort.key === 'probability') {
      if (a.probability === undefined || b.probability === undefined) {
        if (a.probability !== b.probability) return a.probability === undefined ? 1 : -1;
        return a.order - b.order;
      }
      return sign * (a.probability - b.probability) || a.order - b.order;
    }
    if (sort.key === 'file') return sign * a.file.localeCompare(b.file) || a.order - b.order;
    return sign * (a.order - b.order);
  });
}

/** The sort after a click on a column's header: the same column flips its direction; another starts descending for probability, ascending otherwise. */
export function nextSort(current: SortState, key: SortKey): SortState {
  if (current.key === key) return { key, descending: !current.descending };
  return { key, descending: key === 'probability' };
}
