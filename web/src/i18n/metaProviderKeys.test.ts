// The console looks up the Meta provider's vocabularies by name (`templateStatus.${status}`…):
// every value the API can send has its text. The records below fail the type check when the
// API's enums gain a value, so this list cannot fall behind.

import { describe, expect, it } from 'vitest';
import type { ParameterSource, TemplateCategory, TemplateComponent, TemplateStatus } from '../api/types';
import { en } from './dictionary';

const STATUSES: Record<TemplateStatus, true> = {
  approved: true,
  pending: true,
  rejected: true,
  paused: true,
  disabled: true,
  in_appeal: true,
  pending_deletion: true,
  deleted: true,
  limit_exceeded: true,
  archived: true,
};
const CATEGORIES: Record<TemplateCategory, true> = { marketing: true, utility: true, authentication: true };
const SOURCES: Record<ParameterSource, true> = { first_name: true, last_name: true, phone: true, text: true };
const COMPONENTS: Record<TemplateComponent, true> = { header: true, body: true };

describe('Meta provider texts', () => {
  it('has a text for every template status, category, parameter source and component', () => {
    const keys = [
      ...Object.keys(STATUSES).map((status) => `templateStatus.${status}`),
      ...Object.keys(CATEGORIES).map((category) => `templateCategory.${category}`),
      ...Object.keys(SOURCES).map((source) => `parameterSource.${source}`),
      ...Object.keys(COMPONENTS).map((component) => `campaigns.placeholderIn.${component}`),
    ];
    for (const key of keys) expect(Object.hasOwn(en, key), key).toBe(true);
  });
});
