// What a contact will see, in a WhatsApp-like chat, rendered for a real contact of the chosen
// categories (the audience's sample) or, before there is one, for an example contact. On the
// Meta provider Message 1 is a template, and the Message 2 fallback template shows after
// Message 2, as what goes instead when the customer-service window is closed. With variants of
// Message 1 (R25), each one shows in turn, with its name and share of the contacts.

import { Fragment } from 'react';
import type { Contact, Variant } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { fullName } from '../../lib/contactName';
import { renderTemplate, type Recipient } from '../../lib/template';
import { TemplateBubble, type TemplateShown } from './TemplateBubble';

/** A variant of Message 1 to preview: its text, or its template (Meta provider). */
export interface PreviewVariant {
  name: Variant;
  /** Its share of the contacts (0–1), `null` while its weight is not valid. */
  share: number | null;
  text: string;
  template: TemplateShown | null;
}

interface MessagePreviewProps {
  message1: string;
  message2: string;
  sample: Contact | null | undefined;
  placeholders: readonly string[];
  /** Message 1 as a template (Meta provider): shown instead of the `message1` text. */
  template1?: TemplateShown | null;
  /** The Message 2 fallback template (Meta provider). */
  template2?: TemplateShown | null;
  /** Whether Message 1 is a template (Meta provider), chosen or not yet. */
  templates?: boolean;
  /** Message 1's variants, shown instead of `message1` / `template1` when there are any. */
  variants?: readonly PreviewVariant[];
}

interface Message1BubbleProps {
  text: string;
  template: TemplateShown | null;
  templates: boolean;
  recipient: Recipient;
  placeholders: readonly string[];
  testId: string;
}

/** Message 1 (or one of its variants) as the contact reads it: its template, or its text; nothing while empty. */
function Message1Bubble({ text, template, templates, recipient, placeholders, testId }: Message1BubbleProps) {
  if (templates) return template ? <TemplateBubble template={template} recipient={recipient} testId={testId} /> : null;
  if (!text.trim()) return null;
  return (
    <div className="bubble bubble-out" data-testid={testId}>
      {renderTemplate(text, recipient, placeholders)}
    </div>
  );
}

const EXAMPLE_RECIPIENT: Recipient = { first_name: 'Marie', last_name: 'Dupont', phone: '+33612345678' };

export function MessagePreview({ message1, message2, sample, placeholders, template1, template2, templates = false, variants = [] }: MessagePreviewProps) {
  const { t, formatNumber } = useI18n();
  const recipient: Recipient = sample ?? EXAMPLE_RECIPIENT;
  const who = fullName(recipient) || recipient.phone;
  const shared = { templates, recipient, placeholders };
  return (
    <section className="card preview" aria-label={t('campaigns.preview')}>
      <h2>{t('campaigns.preview')}</h2>
      <p className="muted">{sample ? t('campaigns.previewFor', { name: who }) : t('campaigns.previewExample', { name: who })}</p>
      <div className="chat" data-testid="preview">
        <div className="chat-head">{who}</div>
        {variants.length > 0 ? (
          variants.map((variant) => (
            <Fragment key={variant.name}>
              <p className="bubble-note">
                {t('variants.previewNote', {
                  variant: variant.name,
                  share: variant.share === null ? '—' : formatNumber(variant.share, { style: 'percent', maximumFractionDigits: 0 }),
                })}
              </p>
              <Message1Bubble {...shared} text={variant.text} template={variant.template} testId={`preview-variant-${variant.name}`} />
            </Fragment>
          ))
        ) : (
          <Message1Bubble {...shared} text={message1} template={template1 ?? null} testId="preview-message-1" />
        )}
        <div className="bubble bubble-in">{t('campaigns.previewReply')}</div>
        {message2.trim() && (
          <div className="bubble bubble-out" data-testid="preview-message-2">
            {renderTemplate(message2, recipient, placeholders)}
          </div>
        )}
        {template2 && (
          <>
            <p className="bubble-note">{t('campaigns.previewFallbackTemplate')}</p>
            <TemplateBubble template={template2} recipient={recipient} testId="preview-message-2-template" />
          </>
        )}
      </div>
    </section>
  );
}
