// Create or edit a draft. Texts are checked by the server when saved; a refusal (an unknown
// placeholder, say) is shown under the field it names. On the Meta provider Message 1 is an
// approved template from the catalog, and Message 2 may have a fallback template. Message 1 may
// come in 2 to 4 weighted variants (R25). The audience is categories and/or earlier campaigns'
// outcome sets (R23), under a frequency cap (R24).

import { useState, type FormEvent } from 'react';
import { Link, useLocation } from 'wouter';
import { useAudience, useCampaign, useConsoleSettings, useSaveCampaign } from '../../api/campaigns';
import type { Campaign } from '../../api/types';
import { CategoryPicker } from '../../components/CategoryPicker';
import { ErrorNote, Loading, useErrorText } from '../../components/States';
import { SyncTemplatesButton } from '../../components/SyncTemplatesButton';
import { useI18n } from '../../i18n/I18nProvider';
import { audienceRequest, audienceSets, hasAudienceSource, setDrafts, type AudienceSetDraft } from '../../lib/audienceSets';
import { campaignFieldOfError, type CampaignField } from '../../lib/fieldErrors';
import { frequencyCapDraft, frequencyCapOverrides, type FrequencyCapDraft } from '../../lib/frequencyCap';
import { quietHoursDraft, quietHoursOverrides, type QuietHoursChoice, type QuietHoursDraft } from '../../lib/quietHours';
import { SETTING_FIELDS, settingsDraft, settingsOverrides, type SettingsDraft } from '../../lib/settings';
import { message1Request, namedVariants, variantShares, variantsDraft, variantTemplate, weightValue, type VariantsDraft } from '../../lib/variants';
import { AudienceCard } from './AudienceCard';
import { AudienceSetsField } from './AudienceSetsField';
import { FrequencyCapField } from './FrequencyCapField';
import { MessageField } from './MessageField';
import { MessagePreview, type PreviewVariant } from './MessagePreview';
import { TemplateField } from './TemplateField';
import { shownTemplate, useCampaignTemplates } from './useCampaignTemplates';
import { VariantsField } from './VariantsField';

const NO_PLACEHOLDERS: readonly string[] = [];

export default function CampaignEditorPage({ id }: { id: number | null }) {
  const campaign = useCampaign(id);
  // Which provider decides the form's shape (text or template): wait for it, not for a failure.
  const consoleSettings = useConsoleSettings();
  if (consoleSettings.isPending) return <Loading />;
  if (id === null) return <CampaignForm campaign={null} />;
  if (campaign.isPending) return <Loading />;
  if (campaign.isError) return <ErrorNote error={campaign.error} />;
  return <CampaignForm campaign={campaign.data} />;
}

function CampaignForm({ campaign }: { campaign: Campaign | null }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const [, navigate] = useLocation();
  const save = useSaveCampaign(campaign?.id ?? null);
  const [name, setName] = useState(campaign?.name ?? '');
  const [categoryIds, setCategoryIds] = useState<number[]>(campaign?.category_ids ?? []);
  const [sets, setSets] = useState<AudienceSetDraft[]>(() => setDrafts(campaign?.audience_sets));
  const [cap, setCap] = useState<FrequencyCapDraft>(() => frequencyCapDraft(campaign?.settings));
  const [message1, setMessage1] = useState(campaign?.message_1 ?? '');
  const [variants, setVariants] = useState<VariantsDraft>(() => variantsDraft(campaign?.message_1_variants));
  const [message2, setMessage2] = useState(campaign?.message_2 ?? '');
  const [settings, setSettings] = useState<SettingsDraft>(() => settingsDraft(campaign?.settings));
  const [quiet, setQuiet] = useState<QuietHoursDraft>(() => quietHoursDraft(campaign?.settings));
  const changeQuiet = (change: Partial<QuietHoursDraft>) => setQuiet((current) => ({ ...current, ...change }));
  const requestSets = audienceSets(sets);
  const audience = useAudience(audienceRequest(categoryIds, requestSets, cap));
  const consoleSettings = useConsoleSettings().data;
  const placeholders = consoleSettings?.placeholders ?? NO_PLACEHOLDERS;
  const usesTemplates = consoleSettings?.templates ?? false;
  const templates = useCampaignTemplates(campaign, usesTemplates);
  const shares = variantShares(variants.variants.map((variant) => weightValue(variant.weight)));
  const previewVariants: PreviewVariant[] = variants.on
    ? namedVariants(variants.variants).map(({ name, variant }, index) => ({
        name,
        share: shares[index] ?? null,
        text: variant.text,
        template: shownTemplate(variantTemplate(variant, templates.catalog), templates.catalog),
      }))
    : [];

  const failure = save.error ? errorText(save.error) : null;
  const failedField = save.error ? campaignFieldOfError(failure ?? '') : null;
  const errorFor = (field: CampaignField) => (failedField === field ? failure : null);
  // "message_1 or message_1_template is required" is about the template when there is no text.
  const template1Error = errorFor('message_1_template') ?? errorFor('message_1');

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate(
      {
        name,
        ...message1Request(variants, usesTemplates ? templates.message1Fields() : { message_1: message1 }, {
          hadVariants: (campaign?.message_1_variants.length ?? 0) > 0,
          templates: usesTemplates,
          catalog: templates.catalog,
        }),
        ...(usesTemplates ? templates.message2Fields() : {}),
        message_2: message2,
        category_ids: categoryIds,
        audience_sets: requestSets,
        settings: { ...settingsOverrides(settings), ...quietHoursOverrides(quiet), ...frequencyCapOverrides(cap) },
      },
      { onSuccess: (saved) => navigate(`/campaigns/${saved.id}`) },
    );
  }

  return (
    <div className="stack">
      <p>
        <Link href={campaign ? `/campaigns/${campaign.id}` : '/campaigns'}>← {campaign ? campaign.name : t('nav.campaigns')}</Link>
      </p>
      <h1>{campaign ? t('campaigns.editTitle') : t('campaigns.newTitle')}</h1>
      <div className="editor">
        <form className="card form" onSubmit={submit} noValidate>
          <div className="field">
            <label htmlFor="campaign-name">{t('campaigns.name')}</label>
            <input
              id="campaign-name"
              required
              maxLength={200}
              value={name}
              aria-invalid={errorFor('name') ? true : undefined}
              aria-describedby={errorFor('name') ? 'campaign-name-error' : undefined}
              onChange={(event) => setName(event.target.value)}
            />
            {errorFor('name') && (
              <p id="campaign-name-error" className="field-error" role="alert">
                {errorFor('name')}
              </p>
            )}
          </div>
          <CategoryPicker
            legend={t('campaigns.categories')}
            selected={categoryIds}
            onChange={setCategoryIds}
            error={errorFor('category_ids')}
            errorId="campaign-categories-error"
          />
          <AudienceSetsField sets={sets} onChange={setSets} error={errorFor('audience_sets')} />
          <FrequencyCapField draft={cap} onChange={(change) => setCap((current) => ({ ...current, ...change }))} error={errorFor('frequency_cap')} />
          {usesTemplates && templates.catalogQuery.isError && <ErrorNote error={templates.catalogQuery.error} />}
          <VariantsField
            draft={variants}
            onChange={setVariants}
            seed={{ text: message1, template: templates.message1.draft }}
            templates={usesTemplates}
            catalog={templates.catalog}
            catalogReady={templates.catalogQuery.isSuccess}
            placeholders={placeholders}
            error={errorFor('message_1_variants')}
            templateAction={<SyncTemplatesButton />}
          />
          {!variants.on &&
            (usesTemplates ? (
              <TemplateField
                id="message_1_template"
                legend={t('campaigns.template1')}
                help={t('campaigns.template1Help')}
                catalog={templates.catalog}
                catalogReady={templates.catalogQuery.isSuccess}
                draft={templates.message1.draft}
                saved={templates.message1.saved}
                onChange={templates.message1.setDraft}
                optional={false}
                error={template1Error}
                action={<SyncTemplatesButton />}
              />
            ) : (
              <MessageField id="message_1" label={t('campaigns.message1')} value={message1} onChange={setMessage1} error={errorFor('message_1')} placeholders={placeholders} />
            ))}
          <MessageField id="message_2" label={t('campaigns.message2')} value={message2} onChange={setMessage2} error={errorFor('message_2')} placeholders={placeholders} />
          {usesTemplates && (
            <TemplateField
              id="message_2_template"
              legend={t('campaigns.template2')}
              help={t('campaigns.template2Help')}
              catalog={templates.catalog}
              catalogReady={templates.catalogQuery.isSuccess}
              draft={templates.message2.draft}
              saved={templates.message2.saved}
              onChange={templates.message2.setDraft}
              optional
              error={errorFor('message_2_template')}
            />
          )}
          <details className="advanced" open={errorFor('settings') !== null || undefined}>
            <summary>{t('campaigns.advanced')}</summary>
            <p className="muted">{t('campaigns.advancedHelp')}</p>
            <div className="grid-3">
              {SETTING_FIELDS.map((field) => (
                <div className="field" key={field}>
                  <label htmlFor={`setting-${field}`}>{t(`settings.${field}`)}</label>
                  <input
                    id={`setting-${field}`}
                    type="number"
                    min={0}
                    step="any"
                    placeholder={t('settings.default')}
                    value={settings[field]}
                    onChange={(event) => setSettings((current) => ({ ...current, [field]: event.target.value }))}
                  />
                </div>
              ))}
            </div>
            <p className="muted">{t('settings.quietHoursHelp')}</p>
            <div className="grid-3">
              <div className="field">
                <label htmlFor="setting-quiet-hours">{t('settings.quiet_hours')}</label>
                <select
                  id="setting-quiet-hours"
                  value={quiet.choice}
                  onChange={(event) => changeQuiet({ choice: event.target.value as QuietHoursChoice })}
                >
                  <option value="default">{t('settings.quietHoursDefault')}</option>
                  <option value="off">{t('settings.quietHoursOff')}</option>
                  <option value="custom">{t('settings.quietHoursCustom')}</option>
                </select>
              </div>
              {quiet.choice === 'custom' && (
                <>
                  <div className="field">
                    <label htmlFor="setting-quiet-start">{t('settings.quietStart')}</label>
                    <input id="setting-quiet-start" type="time" value={quiet.start} onChange={(event) => changeQuiet({ start: event.target.value })} />
                  </div>
                  <div className="field">
                    <label htmlFor="setting-quiet-end">{t('settings.quietEnd')}</label>
                    <input id="setting-quiet-end" type="time" value={quiet.end} onChange={(event) => changeQuiet({ end: event.target.value })} />
                  </div>
                </>
              )}
              <div className="field">
                <label htmlFor="setting-time-zone">{t('settings.time_zone')}</label>
                <input
                  id="setting-time-zone"
                  placeholder={t('settings.default')}
                  value={quiet.timeZone}
                  onChange={(event) => changeQuiet({ timeZone: event.target.value })}
                />
              </div>
            </div>
            {errorFor('settings') && (
              <p className="field-error" role="alert">
                {errorFor('settings')}
              </p>
            )}
          </details>
          {failure && !failedField && (
            <p className="field-error" role="alert">
              {failure}
            </p>
          )}
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={save.isPending} aria-busy={save.isPending}>
              {t('campaigns.saveDraft')}
            </button>
          </div>
        </form>
        <aside className="editor-side">
          <AudienceCard hasSource={hasAudienceSource(categoryIds, requestSets)} audience={audience} />
          <MessagePreview
            message1={message1}
            message2={message2}
            sample={audience.data?.sample}
            placeholders={placeholders}
            templates={usesTemplates}
            template1={templates.message1.shown}
            template2={templates.message2.shown}
            variants={previewVariants}
          />
        </aside>
      </div>
    </div>
  );
}
