// Walking a paged list to the end, a page at a time (the API serves at most 100 per page).

export interface PageOf<T> {
  items: T[];
  total: number;
}

export const LARGEST_PAGE = 100;

/** Every item of a list, fetched page by page; `onProgress` hears how many have arrived. */
export async function fetchAllPages<T>(
  fetchPage: (page: number, size: number) => Promise<PageOf<T>>,
  onProgress?: (fetched: number, total: number) => void,
  size = LARGEST_PAGE,
): Promise<T[]> {
  const items: T[] = [];
  for (let page = 1; ; page += 1) {
    const answer = await fetchPage(page, size);
    items.push(...answer.items);
    onProgress?.(items.length, answer.total);
    if (answer.items.length < size || items.length >= answer.total) return items;
  }
}
