// The business account's WhatsApp template catalog (Meta provider, SPEC §7): read from the API's
// copy, and read again from Meta on an operator's request.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call } from './client';

const templateKeys = { catalog: ['templates', 'catalog'] as const };

/** The catalog; `enabled` false (a provider without templates) fetches nothing. */
export function useTemplateCatalog(enabled: boolean) {
  return useQuery({
    queryKey: templateKeys.catalog,
    queryFn: () => call(api.GET('/api/v1/templates')),
    enabled,
  });
}

/**
 * Reads the catalog from Meta now. Its answer replaces the cached catalog; templates it finds
 * paused may have paused campaigns, so those are fetched again too.
 */
export function useSyncTemplates() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => call(api.POST('/api/v1/templates/sync')),
    onSuccess: (answer) => {
      client.setQueryData(templateKeys.catalog, answer.templates);
      if (answer.paused_campaigns > 0) void client.invalidateQueries({ queryKey: ['campaigns'] });
    },
  });
}
