// The business account's WhatsApp templates (Meta provider, SPEC §7) as the engine last read
// them: status, category, quality and Meta's reason for a rejection or pause, with "Refresh from
// Meta" to read them again now.

import { useConsoleSettings } from '../api/campaigns';
import { useTemplateCatalog } from '../api/templates';
import type { CatalogItem } from '../api/types';
import { QueryStates } from '../components/QueryStates';
import { Loading } from '../components/States';
import { SyncTemplatesButton } from '../components/SyncTemplatesButton';
import { TemplateCategoryBadge, TemplateStatusBadge } from '../components/TemplateBadges';
import { hasMessage } from '../i18n/dictionary';
import { useI18n } from '../i18n/I18nProvider';
import { catalogKey } from '../lib/metaTemplate';

/** Meta's quality rating (`GREEN`, `YELLOW`, `RED`, `UNKNOWN`) in words, or as Meta spelled it. */
function QualityText({ quality }: { quality: string | null | undefined }) {
  const { t } = useI18n();
  if (!quality) return <>—</>;
  const key = `templateQuality.${quality.toLowerCase()}`;
  return <>{hasMessage(key) ? t(key) : quality}</>;
}

function TemplateRow({ item }: { item: CatalogItem }) {
  const { formatDateTime } = useI18n();
  return (
    <tr data-testid={`template-${item.name}-${item.language}`}>
      <td className="mono">{item.name}</td>
      <td>{item.language}</td>
      <td>
        <TemplateCategoryBadge category={item.category} />
      </td>
      <td>
        <TemplateStatusBadge status={item.status} />
      </td>
      <td>
        <QualityText quality={item.quality} />
      </td>
      <td>{item.status_reason ?? '—'}</td>
      <td className="message-text">
        {item.header_text && <strong className="bubble-header">{item.header_text}</strong>}
        {item.body_text}
      </td>
      <td>{formatDateTime(item.updated_at)}</td>
    </tr>
  );
}

export default function TemplatesPage() {
  const { t } = useI18n();
  const settings = useConsoleSettings();
  const usesTemplates = settings.data?.templates ?? false;
  const catalog = useTemplateCatalog(usesTemplates);

  if (settings.isPending) return <Loading />;
  return (
    <div className="stack">
      <div className="page-head">
        <h1>{t('templates.title')}</h1>
        {usesTemplates && <SyncTemplatesButton />}
      </div>
      <p className="muted">{t('templates.help')}</p>
      {!usesTemplates ? (
        <p className="notice">{t('templates.notOnProvider')}</p>
      ) : (
        <section className="card">
          <QueryStates query={catalog} isEmpty={(items) => items.length === 0} emptyText={t('templates.empty')}>
            {(items) => (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t('templates.name')}</th>
                      <th scope="col">{t('templates.language')}</th>
                      <th scope="col">{t('templates.category')}</th>
                      <th scope="col">{t('common.status')}</th>
                      <th scope="col">{t('templates.quality')}</th>
                      <th scope="col">{t('templates.statusReason')}</th>
                      <th scope="col">{t('templates.text')}</th>
                      <th scope="col">{t('templates.updated')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {items.map((item) => (
                      <TemplateRow key={catalogKey(item)} item={item} />
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </QueryStates>
        </section>
      )}
    </div>
  );
}
