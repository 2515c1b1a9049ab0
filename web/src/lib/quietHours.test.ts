import { describe, expect, it } from 'vitest';
import { quietHoursDraft, quietHoursOverrides } from './quietHours';

describe('quiet hours overrides', () => {
  it('sends nothing for the default, null for none, the hours for custom ones', () => {
    const draft = quietHoursDraft({});
    expect(quietHoursOverrides(draft)).toEqual({});
    expect(quietHoursOverrides({ ...draft, choice: 'off' })).toEqual({ quiet_hours: null });
    expect(quietHoursOverrides({ ...draft, choice: 'custom', start: '22:00', end: ' 07:30 ', timeZone: ' Europe/Paris ' })).toEqual({
      quiet_hours: { start: '22:00', end: '07:30' },
      time_zone: 'Europe/Paris',
    });
  });

  it('reads a saved draft back', () => {
    expect(quietHoursDraft({ quiet_hours: null }).choice).toBe('off');
    expect(quietHoursDraft({ quiet_hours: { start: '22:00', end: '07:00' }, time_zone: 'Asia/Kolkata' })).toEqual({
      choice: 'custom',
      start: '22:00',
      end: '07:00',
      timeZone: 'Asia/Kolkata',
    });
    expect(quietHoursDraft(null).choice).toBe('default');
  });
});
