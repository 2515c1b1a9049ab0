// Contacts: the paged list, and optimistic create/delete (the row appears or goes at once and
// comes back, with a toast, when the server refuses).

import { keepPreviousData, useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { toast } from '../components/toastStore';
import { api, call } from './client';
import { errorMessage } from './errors';
import type { ConsentFilter, Contact, ContactInput, ContactPage, WhatsAppFilter } from './types';

export interface ContactFilters {
  page: number;
  size: number;
  search: string;
  categoryId: number | null;
  whatsapp: WhatsAppFilter | null;
  consent: ConsentFilter | null;
}

export const contactKeys = {
  all: ['contacts'] as const,
  lists: ['contacts', 'list'] as const,
  list: (filters: ContactFilters) => ['contacts', 'list', filters] as const,
  verification: ['contacts', 'verification'] as const,
};

export function useContacts(filters: ContactFilters) {
  return useQuery({
    queryKey: contactKeys.list(filters),
    queryFn: () =>
      call(
        api.GET('/api/v1/contacts', {
          params: {
            query: {
              page: filters.page,
              size: filters.size,
              search: filters.search || undefined,
              category_id: filters.categoryId ?? undefined,
              whatsapp: filters.whatsapp ?? undefined,
              consent: filters.consent ?? undefined,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useVerificationCounts() {
  return useQuery({
    queryKey: contactKeys.verification,
    queryFn: () => call(api.GET('/api/v1/contacts/verification')),
  });
}

type ListSnapshot = Array<[readonly unknown[], ContactPage | undefined]>;

async function snapshotLists(client: QueryClient): Promise<ListSnapshot> {
  await client.cancelQueries({ queryKey: contactKeys.lists });
  return client.getQueriesData<ContactPage>({ queryKey: contactKeys.lists });
}

function restore(client: QueryClient, snapshot: ListSnapshot | undefined) {
  snapshot?.forEach(([key, data]) => client.setQueryData(key, data));
}

let nextTemporaryId = -1;

/** A row standing for a contact the server has not confirmed yet (negative id). */
function pendingContact(input: ContactInput): Contact {
  const now = new Date().toISOString();
  const phone = 'phone' in input ? input.phone : `+${input.country_code}${input.phone_number}`;
  return {
    id: nextTemporaryId--,
    phone,
    first_name: input.first_name ?? null,
    last_name: input.last_name ?? null,
    whatsapp_verified: null,
    whatsapp_verified_at: null,
    opted_out_at: null,
    time_zone: input.time_zone ?? null,
    category_ids: input.category_ids ?? [],
    created_at: now,
    updated_at: now,
  } as Contact;
}

export function useCreateContact() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: ContactInput) => call(api.POST('/api/v1/contacts', { body: input })),
    onMutate: async (input) => {
      const snapshot = await snapshotLists(client);
      const row = pendingContact(input);
      client.setQueriesData<ContactPage>({ queryKey: contactKeys.lists }, (page) =>
        page && page.page === 1 ? { ...page, items: [row, ...page.items], total: page.total + 1 } : page,
      );
      return { snapshot };
    },
    onError: (error, _input, context) => {
      restore(client, context?.snapshot);
      toast.error(errorMessage(error));
    },
    onSettled: () => client.invalidateQueries({ queryKey: contactKeys.all }),
  });
}

export function useUpdateContact() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: number; input: ContactInput }) =>
      call(api.PUT('/api/v1/contacts/{id}', { params: { path: { id } }, body: input })),
    onSuccess: () => client.invalidateQueries({ queryKey: contactKeys.all }),
  });
}

/** `describeError` words the refusal (a 409 means the contact is in a running campaign). */
export function useDeleteContact(describeError: (error: unknown) => string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => call(api.DELETE('/api/v1/contacts/{id}', { params: { path: { id } } })),
    onMutate: async (id) => {
      const snapshot = await snapshotLists(client);
      client.setQueriesData<ContactPage>({ queryKey: contactKeys.lists }, (page) =>
        page ? { ...page, items: page.items.filter((contact) => contact.id !== id), total: page.total - 1 } : page,
      );
      return { snapshot };
    },
    onError: (error, _id, context) => {
      restore(client, context?.snapshot);
      toast.error(describeError(error));
    },
    onSettled: () => client.invalidateQueries({ queryKey: contactKeys.all }),
  });
}

export function useVerifyContact() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => call(api.POST('/api/v1/contacts/{id}/verify', { params: { path: { id } } })),
    onSettled: () => client.invalidateQueries({ queryKey: contactKeys.all }),
  });
}

export function useVerifyContacts() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (contactIds: number[]) => call(api.POST('/api/v1/contacts/verify', { body: { contact_ids: contactIds } })),
    onSettled: () => client.invalidateQueries({ queryKey: contactKeys.all }),
  });
}
