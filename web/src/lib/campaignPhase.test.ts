import { describe, expect, it } from 'vitest';
import { hasLaunched } from './campaignPhase';

describe('hasLaunched', () => {
  const at = '2026-12-07T10:00:00Z';

  it('is true of a campaign that started, whatever became of it', () => {
    for (const status of ['running', 'completed', 'failed', 'cancelled'] as const) {
      expect(hasLaunched({ status, started_at: at }), status).toBe(true);
    }
  });

  it('is false of a draft, a scheduled campaign, and a scheduled launch refused before it started', () => {
    expect(hasLaunched({ status: 'draft', started_at: null })).toBe(false);
    expect(hasLaunched({ status: 'scheduled', started_at: null })).toBe(false);
    expect(hasLaunched({ status: 'failed', started_at: null })).toBe(false);
  });
});
