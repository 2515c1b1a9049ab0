// What a contact will see, in a WhatsApp-like chat, rendered for a real contact of the chosen
// categories (the audience's sample) or, before there is one, for an example contact. On the
// Meta provider Message 1 is a template, and the Message 2 fallback template shows after
// Message 2, as what goes instead when the customer-service window is closed.

import type { Contact } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { fullName } from '../../lib/contactName';
import { renderTemplate, type Recipient } from '../../lib/template';
import { TemplateBubble, type TemplateShown } from './TemplateBubble';

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
}

const EXAMPLE_RECIPIENT: Recipient = { first_name: 'Marie', last_name: 'Dupont', phone: '+33612345678' };

export function MessagePreview({ message1, message2, sample, placeholders, template1, template2, templates = false }: MessagePreviewProps) {
  const { t } = useI18n();
  const recipient: Recipient = sample ?? EXAMPLE_RECIPIENT;
  const who = fullName(recipient) || recipient.phone;
  return (
    <section className="card preview" aria-label={t('campaigns.preview')}>
      <h2>{t('campaigns.preview')}</h2>
      <p className="muted">{sample ? t('campaigns.previewFor', { name: who }) : t('campaigns.previewExample', { name: who })}</p>
      <div className="chat" data-testid="preview">
        <div className="chat-head">{who}</div>
        {templates
          ? template1 && <TemplateBubble template={template1} recipient={recipient} testId="preview-message-1" />
          : message1.trim() && (
              <div className="bubble bubble-out" data-testid="preview-message-1">
                {renderTemplate(message1, recipient, placeholders)}
              </div>
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
