import { describe, expect, it } from 'vitest';
import type { CampaignFunnel } from '../api/types';
import { buildFunnel, funnelFileName, funnelQuery, PENDING_STATES } from './funnel';

const zero: CampaignFunnel = {
  total: 0,
  message_1_sent: 0,
  message_1_delivered: 0,
  message_1_read: 0,
  interacted_in_window: 0,
  message_2_sent: 0,
  no_interaction: 0,
  late_interaction: 0,
  opted_out: 0,
  limited: 0,
  failed: 0,
  cancelled: 0,
  pending: 0,
};

const funnel: CampaignFunnel = {
  total: 10,
  message_1_sent: 9,
  message_1_delivered: 8,
  message_1_read: 6,
  interacted_in_window: 4,
  message_2_sent: 3,
  no_interaction: 2,
  late_interaction: 1,
  opted_out: 1,
  limited: 1,
  failed: 1,
  cancelled: 0,
  pending: 1,
};

const byKey = (steps: ReturnType<typeof buildFunnel>) => Object.fromEntries(steps.map((step) => [step.key, step]));

describe('buildFunnel', () => {
  it('shows the exact counts of the API, bars first, then the outcomes', () => {
    const steps = buildFunnel(funnel);
    expect(steps.filter((step) => step.kind === 'funnel').map((step) => [step.key, step.count])).toEqual([
      ['total', 10],
      ['message1Sent', 9],
      ['delivered', 8],
      ['read', 6],
      ['interacted', 4],
      ['message2Sent', 3],
    ]);
    expect(steps.filter((step) => step.kind === 'outcome').map((step) => [step.key, step.count])).toEqual([
      ['noInteraction', 2],
      ['late', 1],
      ['optedOut', 1],
      ['limited', 1],
      ['failed', 1],
      ['cancelled', 0],
      ['pending', 1],
    ]);
  });

  it('gives shares of the audience, none of an empty campaign', () => {
    const steps = byKey(buildFunnel(funnel));
    expect(steps.total?.share).toBe(1);
    expect(steps.read?.share).toBe(0.6);
    expect(buildFunnel(zero).every((step) => step.share === 0)).toBe(true);
  });

  it('never draws a negative count or a bar wider than the audience', () => {
    const steps = buildFunnel({ ...zero, total: 2, message_1_sent: 3, pending: -1 });
    expect(steps.every((step) => step.count >= 0 && step.share <= 1)).toBe(true);
  });

  it('lists each bar by the stage or the journey states it counts', () => {
    const steps = byKey(buildFunnel(funnel));
    expect(steps.total?.filter).toEqual({ kind: 'all' });
    expect(steps.message1Sent?.filter).toEqual({ kind: 'stage', stage: 'message_1_sent' });
    expect(steps.delivered?.filter).toEqual({ kind: 'stage', stage: 'message_1_delivered' });
    expect(steps.read?.filter).toEqual({ kind: 'stage', stage: 'message_1_read' });
    expect(steps.interacted?.filter).toEqual({ kind: 'stage', stage: 'interacted_in_window' });
    expect(steps.message2Sent?.filter).toEqual({ kind: 'states', states: ['message_2_sent'] });
    expect(steps.optedOut?.filter).toEqual({ kind: 'states', states: ['opted_out'] });
    expect(steps.limited?.filter).toEqual({ kind: 'states', states: ['limited'] });
    expect(steps.failed?.filter).toEqual({ kind: 'states', states: ['failed'] });
    expect(steps.pending?.filter).toEqual({ kind: 'states', states: PENDING_STATES });
  });
});

describe('funnelQuery', () => {
  it('turns a bar into the query of its contacts', () => {
    expect(funnelQuery({ kind: 'all' })).toEqual({});
    expect(funnelQuery({ kind: 'stage', stage: 'message_1_read' })).toEqual({ stage: 'message_1_read' });
    expect(funnelQuery({ kind: 'states', states: ['failed'] })).toEqual({ state: 'failed' });
  });

  it('picks one of several states, staying in range', () => {
    const pending = { kind: 'states', states: PENDING_STATES } as const;
    expect(funnelQuery(pending)).toEqual({ state: 'queued' });
    expect(funnelQuery(pending, 2)).toEqual({ state: 'awaiting_interaction' });
    expect(funnelQuery(pending, 99)).toEqual({ state: 'sending_message_2' });
  });

  it('names the saved file after what it lists', () => {
    expect(funnelFileName(7, {})).toBe('campaign-7-all.csv');
    expect(funnelFileName(7, { stage: 'interacted_in_window' })).toBe('campaign-7-interacted_in_window.csv');
    expect(funnelFileName(7, { state: 'failed' })).toBe('campaign-7-failed.csv');
    expect(funnelFileName(7, { state: 'opted_out' })).toBe('campaign-7-opted_out.csv');
  });
});
