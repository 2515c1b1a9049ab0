// Create or edit a contact. A new contact is saved optimistically (the dialog closes at once and
// a refusal comes back as a toast); an edit waits for the server and shows its refusal here.

import { useState, type FormEvent } from 'react';
import { useCreateContact, useUpdateContact } from '../../api/contacts';
import type { Contact, ContactInput } from '../../api/types';
import { CategoryPicker } from '../../components/CategoryPicker';
import { Dialog } from '../../components/Dialog';
import { useI18n } from '../../i18n/I18nProvider';
import { FormDialogActions } from '../../components/FormDialogActions';
import { FormError } from '../../components/FormError';
import { timeZoneName } from '../../lib/timeZone';

type PhoneMode = 'e164' | 'parts';

interface ContactFormDialogProps {
  contact: Contact | null;
  open: boolean;
  onClose: () => void;
}

export function ContactFormDialog({ contact, open, onClose }: ContactFormDialogProps) {
  const { t } = useI18n();
  return (
    <Dialog title={contact ? t('contacts.edit') : t('contacts.new')} open={open} onClose={onClose} wide>
      <ContactForm key={contact?.id ?? 'new'} contact={contact} onDone={onClose} />
    </Dialog>
  );
}

/** Shown while editing a contact who opted out: operators see it but cannot change it (R19). */
function OptedOutNotice({ optedOutAt }: { optedOutAt: string }) {
  const { t, formatDateTime } = useI18n();
  return (
    <p className="notice" data-testid="contact-opted-out">
      {t('contacts.optedOutNotice', { date: formatDateTime(optedOutAt) })}
    </p>
  );
}

function ContactForm({ contact, onDone }: { contact: Contact | null; onDone: () => void }) {
  const { t } = useI18n();
  const create = useCreateContact();
  const update = useUpdateContact();
  const [firstName, setFirstName] = useState(contact?.first_name ?? '');
  const [lastName, setLastName] = useState(contact?.last_name ?? '');
  const [phoneMode, setPhoneMode] = useState<PhoneMode>('e164');
  const [phone, setPhone] = useState(contact?.phone ?? '');
  const [countryCode, setCountryCode] = useState('');
  const [phoneNumber, setPhoneNumber] = useState('');
  const [categoryIds, setCategoryIds] = useState<number[]>(contact?.category_ids ?? []);
  const [timeZone, setTimeZone] = useState(contact?.time_zone ?? '');

  function input(): ContactInput {
    const phoneFields = phoneMode === 'e164' ? { phone: phone.trim() } : { country_code: countryCode.trim(), phone_number: phoneNumber.trim() };
    return { ...phoneFields, first_name: firstName.trim() || null,
      last_name: lastName.trim() || null,
      time_zone: timeZoneName(timeZone),
      category_ids: categoryIds,
    };
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (contact) {
      update.mutate({ id: contact.id, input: input() }, { onSuccess: onDone });
    } else {
      create.mutate(input());
      onDone();
    }
  }

  return (
    <form onSubmit={submit} className="form">
      {contact?.opted_out_at && <OptedOutNotice optedOutAt={contact.opted_out_at} />}
      <div className="grid-2">
        <div className="field">
          <label htmlFor="contact-first-name">{t('contacts.firstName')}</label>
          <input id="contact-first-name" value={firstName} onChange={(event) => setFirstName(event.target.value)} autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor="contact-last-name">{t('contacts.lastName')}</label>
          <input id="contact-last-name" value={lastName} onChange={(event) => setLastName(event.target.value)} autoComplete="off" />
        </div>
      </div>
      <fieldset className="field">
        <legend>{t('contacts.phoneFormat')}</legend>
        <label className="radio">
          <input type="radio" name="phone-mode" checked={phoneMode === 'e164'} onChange={() => setPhoneMode('e164')} />
          {t('contacts.phoneE164')}
        </label>
        <label className="radio">
          <input type="radio" name="phone-mode" checked={phoneMode === 'parts'} onChange={() => setPhoneMode('parts')} />
          {t('contacts.phoneParts')}
        </label>
      </fieldset>
      {phoneMode === 'e164' ? (
        <div className="field">
          <label htmlFor="contact-phone">{t('contacts.phone')}</label>
          <input
            id="contact-phone"
            type="tel"
            required
            placeholder="+33612345678"
            value={phone}
            onChange={(event) => setPhone(event.target.value)}
            autoComplete="off"
          />
        </div>
      ) : (
        <div className="grid-2">
          <div className="field">
            <label htmlFor="contact-country-code">{t('contacts.countryCode')}</label>
            <input id="contact-country-code" inputMode="numeric" required placeholder="33" value={countryCode} onChange={(event) => setCountryCode(event.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="contact-phone-number">{t('contacts.phoneNumber')}</label>
            <input id="contact-phone-number" type="tel" required placeholder="612345678" value={phoneNumber} onChange={(event) => setPhoneNumber(event.target.value)} />
          </div>
        </div>
      )}
      <div className="field">
        <label htmlFor="contact-time-zone">{t('contacts.timeZone')}</label>
        <input id="contact-time-zone" placeholder="Europe/Paris" value={timeZone} onChange={(event) => setTimeZone(event.target.value)} autoComplete="off" />
      </div>
      <CategoryPicker legend={t('contacts.categories')} selected={categoryIds} onChange={setCategoryIds} />
      <FormError error={update.error} />
      <FormDialogActions submitLabel={t('common.save')} pending={update.isPending} onCancel={onDone} />
    </form>
  );
}
