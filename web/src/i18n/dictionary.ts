// Every text of the console in English and French, gathered from one file per area of the
// console (./messages/). `fr` must have exactly the keys of `en` (the types say so, in each area
// and here), and `{name}` variables are filled by translate().

import * as audiences from './messages/audiences';
import * as campaigns from './messages/campaigns';
import * as contacts from './messages/contacts';
import * as dashboard from './messages/dashboard';
import * as sends from './messages/sends';
import * as shell from './messages/shell';
import * as templates from './messages/templates';
import * as users from './messages/users';
import * as variants from './messages/variants';

export const en = {
  ...shell.en,
  ...dashboard.en,
  ...contacts.en,
  ...campaigns.en,
  ...audiences.en,
  ...variants.en,
  ...sends.en,
  ...users.en,
  ...templates.en,
} as const;

export type MessageKey = keyof typeof en;
export type MessageVars = Record<string, string | number>;

export const fr: Record<MessageKey, string> = {
  ...shell.fr,
  ...dashboard.fr,
  ...contacts.fr,
  ...campaigns.fr,
  ...audiences.fr,
  ...variants.fr,
  ...sends.fr,
  ...users.fr,
  ...templates.fr,
};

export const dictionaries = { en, fr } as const;

export function hasMessage(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}

/** The text of `key` in `language`, its `{variables}` filled from `vars`. */
export function translate(language: keyof typeof dictionaries, key: MessageKey, vars?: MessageVars): string {
  const text: string = dictionaries[language][key];
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
