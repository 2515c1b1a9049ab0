// A listing shown one page at a time: its loading, error and empty states, a table whose header
// comes from a column list and whose rows come from a function, and the pagination under it.

import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { ActionsColumnHeader } from './ActionsColumnHeader';
import { Pagination } from './Pagination';
import { QueryStates, hasNoItems } from './QueryStates';

/** One header cell: what it shows, and the class of the cell (e.g. `cell-number`). */
export interface TableColumn {
  label: ReactNode;
  className?: string;
}

/** One page of a listing, as the API answers it. */
interface ListingPage<T> {
  items: T[];
  total: number;
}

interface PagedTableProps<T> {
  query: UseQueryResult<ListingPage<T>, unknown>;
  emptyText: string;
  columns: readonly TableColumn[];
  /** Appends a last column for the row's buttons, with a header named for screen readers only. */
  withActions?: boolean;
  /** Renders one item as a `<tr>` carrying its own key. */
  row: (item: T) => ReactNode;
  /** Which page is shown, how many items a page holds, and how to show another one. */
  paging: { page: number; size: number; onPage: (page: number) => void };
}

export function PagedTable<T>({ query, emptyText, columns, withActions = false, row, paging }: PagedTableProps<T>) {
  return (
    <QueryStates query={query} isEmpty={hasNoItems} emptyText={emptyText}>
      {(data) => (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  {columns.map((column, index) => (
                    <th key={index} scope="col" className={column.className}>
                      {column.label}
                    </th>
                  ))}
                  {withActions && <ActionsColumnHeader />}
                </tr>
              </thead>
              <tbody>{data.items.map(row)}</tbody>
            </table>
          </div>
          <Pagination {...paging} total={data.total} />
        </>
      )}
    </QueryStates>
  );
}
