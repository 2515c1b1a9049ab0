// Categories: list (with counts), detail and members, optimistic create/delete.

import { keepPreviousData, useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { toast } from '../components/toastStore';
import { api, call } from './client';
import { contactKeys } from './contacts';
import { errorMessage } from './errors';
import type { Category, CategoryPage, RequestBody } from './types';

/** Every category fits one page of the largest size in the console's pickers. */
export const PICKER_PAGE_SIZE = 100;

export const categoryKeys = {
  all: ['categories'] as const,
  lists: ['categories', 'list'] as const,
  list: (page: number, size: number, search: string) => ['categories', 'list', { page, size, search }] as const,
  detail: (id: number) => ['categories', 'detail', id] as const,
};

export function useCategories(page: number, size: number, search = '') {
  return useQuery({
    queryKey: categoryKeys.list(page, size, search),
    queryFn: () => call(api.GET('/api/v1/categories', { params: { query: { page, size, search: search || undefined } } })),
    placeholderData: keepPreviousData,
  });
}

/** Categories for pickers and name lookups. */
export function useCategoryChoices() {
  return useCategories(1, PICKER_PAGE_SIZE);
}

export function useCategory(id: number) {
  return useQuery({
    queryKey: categoryKeys.detail(id),
    queryFn: () => call(api.GET('/api/v1/categories/{id}', { params: { path: { id } } })),
  });
}

type ListSnapshot = Array<[readonly unknown[], CategoryPage | undefined]>;

async function snapshotLists(client: QueryClient): Promise<ListSnapshot> {
  await client.cancelQueries({ queryKey: categoryKeys.lists });
  return client.getQueriesData<CategoryPage>({ queryKey: categoryKeys.lists });
}

function restore(client: QueryClient, snapshot: ListSnapshot | undefined) {
  snapshot?.forEach(([key, data]) => client.setQueryData(key, data));
}

let nextTemporaryId = -1;

export type CategoryInput = RequestBody<'/api/v1/categories', 'post'>;

export function useCreateCategory() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: CategoryInput) => call(api.POST('/api/v1/categories', { body: input })),
    onMutate: async (input) => {
      const snapshot = await snapshotLists(client);
      const now = new Date().toISOString();
      const row = { id: nextTemporaryId--, name: input.name, color: input.color ?? null, contact_count: 0, created_at: now, updated_at: now } as Category;
      client.setQueriesData<CategoryPage>({ queryKey: categoryKeys.lists }, (page) =>
        page && page.page === 1 ? { ...page, items: [row, ...page.items], total: page.total + 1 } : page,
      );
      return { snapshot };
    },
    onError: (error, _input, context) => {
      restore(client, context?.snapshot);
      toast.error(errorMessage(error));
    },
    onSettled: () => client.invalidateQueries({ queryKey: categoryKeys.all }),
  });
}

export function useUpdateCategory() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: number; input: CategoryInput }) =>
      call(api.PUT('/api/v1/categories/{id}', { params: { path: { id } }, body: input })),
    onSuccess: () => client.invalidateQueries({ queryKey: categoryKeys.all }),
  });
}

export function useDeleteCategory() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => call(api.DELETE('/api/v1/categories/{id}', { params: { path: { id } } })),
    onMutate: async (id) => {
      const snapshot = await snapshotLists(client);
      client.setQueriesData<CategoryPage>({ queryKey: categoryKeys.lists }, (page) =>
        page ? { ...page, items: page.items.filter((category) => category.id !== id), total: page.total - 1 } : page,
      );
      return { snapshot };
    },
    onError: (error, _id, context) => {
      restore(client, context?.snapshot);
      toast.error(errorMessage(error));
    },
    onSettled: () => client.invalidateQueries({ queryKey: categoryKeys.all }),
  });
}

export function useAddCategoryMembers(categoryId: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (contactIds: number[]) =>
      call(api.POST('/api/v1/categories/{id}/contacts', { params: { path: { id: categoryId } }, body: { contact_ids: contactIds } })),
    onSettled: () => Promise.all([client.invalidateQueries({ queryKey: categoryKeys.all }), client.invalidateQueries({ queryKey: contactKeys.all })]),
  });
}

export function useRemoveCategoryMember(categoryId: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (contactId: number) =>
      call(api.DELETE('/api/v1/categories/{id}/contacts/{contact_id}', { params: { path: { id: categoryId, contact_id: contactId } } })),
    onSettled: () => Promise.all([client.invalidateQueries({ queryKey: categoryKeys.all }), client.invalidateQueries({ queryKey: contactKeys.all })]),
  });
}
