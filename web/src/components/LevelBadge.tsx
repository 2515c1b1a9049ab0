import { alertLevelColor } from '../lib/alertLevel';
import { useI18n } from '../i18n/I18nProvider';
import { hasMessage } from '../i18n/dictionary';

export function LevelBadge({ level }: { level: string }) {
  const { t } = useI18n();
  const key = `level.${level}`;
  return (
    <span className="badge level-badge" style={{ backgroundColor: alertLevelColor(level) }}>
      {hasMessage(key) ? t(key) : level}
    </span>
  );
}
