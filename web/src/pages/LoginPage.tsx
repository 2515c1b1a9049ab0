import { useState, type FormEvent } from 'react';
import { signIn } from '../auth/session';
import { FormError } from '../components/FormError';
import { LanguageSelect } from '../components/LanguageSelect';
import { useI18n } from '../i18n/I18nProvider';

interface LoginPageProps {
  expired: boolean;
  unreachable: boolean;
}

export function LoginPage({ expired, unreachable }: LoginPageProps) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      await signIn(email.trim(), password);
    } catch (failure) {
      setError(failure);
      setPending(false);
    }
  }

  return (
    <main className="login">
      <form className="card login-card" onSubmit={submit} aria-labelledby="login-title">
        <div className="login-header">
          <h1 id="login-title">{t('app.title')}</h1>
          <LanguageSelect />
        </div>
        {expired && <p className="notice">{t('login.expired')}</p>}
        {unreachable && <p className="notice notice-error">{t('errors.network')}</p>}
        <div className="field">
          <label htmlFor="login-email">{t('login.email')}</label>
          <input id="login-email" type="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="login-password">{t('login.password')}</label>
          <input
            id="login-password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </div>
        <FormError error={error} />
        <button type="submit" className="button button-primary" disabled={pending} aria-busy={pending}>
          {t('login.submit')}
        </button>
      </form>
    </main>
  );
}
