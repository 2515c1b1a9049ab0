// Link to one contact's journey in the Temporal Web UI; the workflow id format is the engine's
// (`campaign-{campaign}-contact-{contact}`).

export function journeyWorkflowId(campaignId: number, contactId: number): string {
  return `campaign-${campaignId}-contact-${contactId}`;
}

/** The journey's page, or `null` when no Temporal UI address is configured. */
export function journeyUrl(
  temporalUiUrl: string | null | undefined,
  namespace: string,
  campaignId: number,
  contactId: number,
): string | null {
  if (!temporalUiUrl) return null;
  const base = temporalUiUrl.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(journeyWorkflowId(campaignId, contactId))}`;
}
