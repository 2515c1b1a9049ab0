import { Link } from 'wouter';
import { useI18n } from '../i18n/I18nProvider';

export function NotFoundPage() {
  const { t } = useI18n();
  return (
    <section>
      <h1>{t('notFound.title')}</h1>
      <p>
        <Link href="/">{t('notFound.back')}</Link>
      </p>
    </section>
  );
}
