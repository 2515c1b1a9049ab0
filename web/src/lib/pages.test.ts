import { describe, expect, it } from 'vitest';
import { fetchAllPages } from './pages';

describe('fetchAllPages', () => {
  it('asks page after page until the list ends', async () => {
    const all = Array.from({ length: 7 }, (_, index) => index);
    const asked: number[] = [];
    const progress: number[] = [];
    const items = await fetchAllPages(
      async (page, size) => {
        asked.push(page);
        return { items: all.slice((page - 1) * size, page * size), total: all.length };
      },
      (fetched) => progress.push(fetched),
      3,
    );
    expect(items).toEqual(all);
    expect(asked).toEqual([1, 2, 3]);
    expect(progress).toEqual([3, 6, 7]);
  });

  it('stops after one page when the list is empty', async () => {
    let calls = 0;
    await fetchAllPages(async () => {
      calls += 1;
      return { items: [], total: 0 };
    });
    expect(calls).toBe(1);
  });
});
