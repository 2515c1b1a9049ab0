// What a screen shows for a query: loading, its error, an empty note, or the data.

import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { Empty, ErrorNote, Loading } from './States';

interface QueryStatesProps<T> {
  query: UseQueryResult<T, unknown>;
  /** When given, data for which it returns true shows `emptyText` instead of the children. */
  isEmpty?: (data: T) => boolean;
  emptyText?: string;
  children: (data: T) => ReactNode;
}

export function QueryStates<T>({ query, isEmpty, emptyText = '', children }: QueryStatesProps<T>) {
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorNote error={query.error} />;
  if (isEmpty?.(query.data)) return <Empty text={emptyText} />;
  return <>{children(query.data)}</>;
}

/** True for a page of a listing that holds no item. */
export function hasNoItems(page: { items: readonly unknown[] }): boolean {
  return page.items.length === 0;
}
