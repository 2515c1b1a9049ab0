// A message text: the textarea, buttons inserting each placeholder the server knows at the caret,
// a character counter against the 4096 limit, a warning as soon as the text uses an unknown
// placeholder, and the server's refusal shown right under it.

import { useLayoutEffect, useRef, useState } from 'react';
import { useI18n } from '../../i18n/I18nProvider';
import { charCount, insertAt, MAX_TEXT_CHARS, unknownPlaceholders } from '../../lib/template';

interface MessageFieldProps {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error: string | null;
  /** Placeholder names the server accepts (`GET /console/settings`); empty while unknown. */
  placeholders: readonly string[];
}

export function MessageField({ id, label, value, onChange, error, placeholders }: MessageFieldProps) {
  const { t, formatNumber } = useI18n();
  const textarea = useRef<HTMLTextAreaElement>(null);
  const [caret, setCaret] = useState<number | null>(null);
  const count = charCount(value);
  const over = count > MAX_TEXT_CHARS;
  // Only once the server's list has arrived: before, every placeholder would look unknown.
  const unknown = placeholders.length > 0 ? unknownPlaceholders(value, placeholders) : [];

  // Put the caret after an inserted placeholder once React has written the new text.
  useLayoutEffect(() => {
    if (caret === null || !textarea.current) return;
    textarea.current.focus();
    textarea.current.setSelectionRange(caret, caret);
    setCaret(null);
  }, [caret]);

  function insert(name: string) {
    const element = textarea.current;
    const start = element?.selectionStart ?? value.length;
    const end = element?.selectionEnd ?? value.length;
    const next = insertAt(value, start, end, `{${name}}`);
    onChange(next.text);
    setCaret(next.caret);
  }

  const describedBy = [`${id}-counter`, unknown.length > 0 ? `${id}-unknown` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');

  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="placeholder-buttons" role="group" aria-label={t('campaigns.insertPlaceholder')}>
        {placeholders.map((name) => (
          <button key={name} type="button" className="button button-small" onClick={() => insert(name)}>
            {`{${name}}`}
          </button>
        ))}
      </div>
      <textarea
        ref={textarea}
        id={id}
        rows={6}
        required
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        onChange={(event) => onChange(event.target.value)}
      />
      <p id={`${id}-counter`} className={over ? 'counter counter-over' : 'counter'}>
        {t('campaigns.characters', { count: formatNumber(count), max: formatNumber(MAX_TEXT_CHARS) })}
      </p>
      {unknown.length > 0 && (
        <p id={`${id}-unknown`} className="notice notice-warning" data-testid={`${id}-unknown`}>
          {t('campaigns.unknownPlaceholders', { names: unknown.map((name) => `{${name}}`).join(', ') })}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error" role="alert" data-testid={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}
