import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call } from './client';
import type { NewUserInput, UserChanges } from './types';

const userKeys = { all: ['users'] as const };

export function useUsers() {
  return useQuery({ queryKey: userKeys.all, queryFn: () => call(api.GET('/api/v1/users')) });
}

export function useCreateUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: NewUserInput) => call(api.POST('/api/v1/users', { body: input })),
    onSuccess: () => client.invalidateQueries({ queryKey: userKeys.all }),
  });
}

export function useUpdateUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, changes }: { id: number; changes: UserChanges }) =>
      call(api.PUT('/api/v1/users/{id}', { params: { path: { id } }, body: changes })),
    onSuccess: () => client.invalidateQueries({ queryKey: userKeys.all }),
  });
}

export function useDeleteUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => call(api.DELETE('/api/v1/users/{id}', { params: { path: { id } } })),
    onSettled: () => client.invalidateQueries({ queryKey: userKeys.all }),
  });
}
