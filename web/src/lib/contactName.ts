export interface Named {
  first_name?: string | null;
  last_name?: string | null;
}

/** "First Last", or an empty string when the contact has no name. */
export function fullName(contact: Named): string {
  return [contact.first_name, contact.last_name].filter(Boolean).join(' ');
}
