import { useI18n } from '../i18n/I18nProvider';

interface PaginationProps {
  page: number;
  size: number;
  total: number;
  onPage: (page: number) => void;
}

export function Pagination({ page, size, total, onPage }: PaginationProps) {
  const { t, formatNumber } = useI18n();
  const pages = Math.max(1, Math.ceil(total / size));
  return (
    <nav className="pagination" aria-label={t('common.pagination')}>
      <button type="button" className="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        {t('common.previous')}
      </button>
      <span>{t('common.pageOf', { page: formatNumber(page), pages: formatNumber(pages), total: formatNumber(total) })}</span>
      <button type="button" className="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        {t('common.next')}
      </button>
    </nav>
  );
}
