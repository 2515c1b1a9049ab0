// The audit log (R22): who did what to what, from where and when, newest first, with the
// filters of GET /audit. Read-only, like the log itself; super_admin only (the nav hides it from
// others and the API answers them 403).

import { useState } from 'react';
import { useAuditLog } from '../api/audit';
import type { AuditAction, AuditRow, AuditTarget } from '../api/types';
import { ChoiceFilter } from '../components/ChoiceFilter';
import { PagedTable } from '../components/PagedTable';
import { useI18n } from '../i18n/I18nProvider';
import { instant } from '../lib/localTime';
import { useDebounced } from '../lib/useDebounced';
import { everyValue } from '../lib/vocabulary';

const PAGE_SIZE = 25;
// Every action and target type the API names, in the order of the engine's enums.
const ACTIONS = everyValue<AuditAction>()([
  'auth.login',
  'auth.login_failed',
  'auth.login_throttled',
  'auth.refresh',
  'auth.logout',
  'user.create',
  'user.update',
  'user.delete',
  'category.create',
  'category.update',
  'category.delete',
  'category.add_contacts',
  'category.remove_contact',
  'contact.create',
  'contact.update',
  'contact.delete',
  'contact.opt_out',
  'contact.opt_in',
  'contact.verify',
  'contacts.verify',
  'contacts.import',
  'contacts.export',
  'campaign.create',
  'campaign.update',
  'campaign.delete',
  'campaign.schedule',
  'campaign.unschedule',
  'campaign.send',
  'campaign.launch_failed',
  'campaign.stop',
  'campaign.resume',
  'campaign.retry',
  'campaign.relaunch',
  'campaign.report',
  'templates.sync',
]);
const TARGET_TYPES = everyValue<AuditTarget>()(['user', 'session', 'contact', 'category', 'campaign']);

function actorText(row: AuditRow): string {
  return row.actor_label ?? (row.actor_id == null ? row.actor_kind : `#${row.actor_id}`);
}

function targetText(row: AuditRow): string {
  if (!row.target_type) return '—';
  return row.target_id ? `${row.target_type} #${row.target_id}` : row.target_type;
}

/** The summary object as `key: value` pairs, one short line. */
function summaryText(summary: AuditRow['summary']): string {
  return Object.entries(summary as Record<string, unknown>)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([key, value]) => `${key}: ${Array.isArray(value) ? value.join(', ') : typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' · ');
}

export default function AuditPage() {
  const { t, formatDateTime } = useI18n();
  const [page, setPage] = useState(1);
  const [actorInput, setActorInput] = useState('');
  const [action, setAction] = useState<AuditAction | null>(null);
  const [targetType, setTargetType] = useState<AuditTarget | null>(null);
  const [targetIdInput, setTargetIdInput] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const actor = useDebounced(actorInput.trim());
  const targetId = useDebounced(targetIdInput.trim());
  const log = useAuditLog({ page, size: PAGE_SIZE, actor, action, targetType, targetId, from: instant(from), to: instant(to) });

  function filter<T>(set: (value: T) => void) {
    return (value: T) => {
      set(value);
      setPage(1);
    };
  }

  return (
    <div className="stack">
      <h1>{t('nav.audit')}</h1>
      <div className="filters">
        <div className="field">
          <label htmlFor="audit-actor">{t('audit.actor')}</label>
          <input
            id="audit-actor"
            type="search"
            placeholder={t('audit.actorPlaceholder')}
            value={actorInput}
            onChange={(event) => filter(setActorInput)(event.target.value)}
          />
        </div>
        <ChoiceFilter id="audit-action" label={t('audit.action')} value={action} choices={ACTIONS} choiceLabel={(value) => value} onChange={filter(setAction)} />
        <ChoiceFilter
          id="audit-target-type"
          label={t('audit.target')}
          value={targetType}
          choices={TARGET_TYPES}
          choiceLabel={(value) => t(`audit.targetType.${value}`)}
          onChange={filter(setTargetType)}
        />
        <div className="field">
          <label htmlFor="audit-target-id">{t('audit.targetId')}</label>
          <input id="audit-target-id" type="search" inputMode="numeric" value={targetIdInput} onChange={(event) => filter(setTargetIdInput)(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="audit-from">{t('audit.from')}</label>
          <input id="audit-from" type="datetime-local" value={from} onChange={(event) => filter(setFrom)(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="audit-to">{t('audit.to')}</label>
          <input id="audit-to" type="datetime-local" value={to} onChange={(event) => filter(setTo)(event.target.value)} />
        </div>
      </div>
      <PagedTable
        query={log}
        emptyText={t('audit.empty')}
        columns={[
          { label: t('audit.time') },
          { label: t('audit.actor') },
          { label: t('audit.action') },
          { label: t('audit.target') },
          { label: t('audit.summary') },
          { label: t('audit.address') },
        ]}
        paging={{ page, size: PAGE_SIZE, onPage: setPage }}
        row={(row) => (
          <tr key={row.id}>
            <td>{formatDateTime(row.occurred_at)}</td>
            <td title={t(`audit.actorKind.${row.actor_kind}`)}>{actorText(row)}</td>
            <td className="mono">{row.action}</td>
            <td>{targetText(row)}</td>
            <td>{summaryText(row.summary)}</td>
            <td className="mono">{row.client_addr ?? '—'}</td>
          </tr>
        )}
      />
    </div>
  );
}
