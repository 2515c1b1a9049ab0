// CSV import: drop a file (or pick one), watch it upload, read what was refused line by line.

import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type DragEvent } from 'react';
import { useCategoryChoices } from '../../api/categories';
import { contactKeys } from '../../api/contacts';
import type { ImportReport } from '../../api/types';
import { currentAccessToken } from '../../auth/session';
import { Dialog } from '../../components/Dialog';
import { useErrorText } from '../../components/States';
import { useI18n } from '../../i18n/I18nProvider';
import { importErrorsCsv, importTemplateCsv } from '../../lib/csv';
import { saveCsv } from '../../lib/download';
import { uploadWithProgress } from '../../lib/upload';

const IMPORT_URL = '/api/v1/contacts/import';

type UploadState =
  | { step: 'idle' }
  | { step: 'uploading'; fileName: string; progress: number }
  | { step: 'done'; fileName: string; report: ImportReport }
  | { step: 'failed'; fileName: string; error: unknown };

export function ImportDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Dialog title={t('import.title')} open={open} onClose={onClose} wide>
      <ImportPanel onClose={onClose} />
    </Dialog>
  );
}

function ImportPanel({ onClose }: { onClose: () => void }) {
  const { t, formatNumber } = useI18n();
  const errorText = useErrorText();
  const client = useQueryClient();
  const categories = useCategoryChoices();
  const fileInput = useRef<HTMLInputElement>(null);
  const [categoryId, setCategoryId] = useState('');
  const [dragging, setDragging] = useState(false);
  const [state, setState] = useState<UploadState>({ step: 'idle' });

  async function upload(file: File) {
    setState({ step: 'uploading', fileName: file.name, progress: 0 });
    const url = categoryId ? `${IMPORT_URL}?category_id=${encodeURIComponent(categoryId)}` : IMPORT_URL;
    try {
      const report = await uploadWithProgress<ImportReport>({
        url,
        body: file,
        contentType: 'text/csv',
        token: currentAccessToken(),
        onProgress: (progress) => setState({ step: 'uploading', fileName: file.name, progress }),
      });
      setState({ step: 'done', fileName: file.name, report });
      await client.invalidateQueries({ queryKey: contactKeys.all });
      await client.invalidateQueries({ queryKey: ['categories'] });
    } catch (error) {
      setState({ step: 'failed', fileName: file.name, error });
    }
  }

  function drop(event: DragEvent) {
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (file) void upload(file);
  }

  const uploading = state.step === 'uploading';

  return (
    <div className="stack">
      <p className="muted">{t('import.help')}</p>
      <div className="toolbar">
        <button type="button" className="button" onClick={() => saveCsv(importTemplateCsv(), 'contacts-template.csv')}>
          {t('import.template')}
        </button>
        <div className="field field-inline">
          <label htmlFor="import-category">{t('import.category')}</label>
          <select id="import-category" value={categoryId} onChange={(event) => setCategoryId(event.target.value)} disabled={uploading}>
            <option value="">{t('import.noCategory')}</option>
            {categories.data?.items.map((category) => (
              <option key={category.id} value={category.id}>
                {category.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div
        className={dragging ? 'dropzone dropzone-active' : 'dropzone'}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={drop}
        data-testid="import-dropzone"
      >
        <p>{t('import.drop')}</p>
        <button type="button" className="button button-primary" disabled={uploading} onClick={() => fileInput.current?.click()}>
          {t('import.choose')}
        </button>
        <label className="visually-hidden" htmlFor="import-file">
          {t('import.choose')}
        </label>
        <input
          ref={fileInput}
          id="import-file"
          className="visually-hidden"
          type="file"
          accept=".csv,text/csv"
          disabled={uploading}
          onChange={(event) => {
            const file = event.target.files?.[0];
            event.target.value = '';
            if (file) void upload(file);
          }}
        />
      </div>
      {state.step === 'uploading' && (
        <div className="field">
          <label htmlFor="import-progress">{t('import.uploading', { file: state.fileName })}</label>
          <progress id="import-progress" max={1} value={state.progress} />
        </div>
      )}
      {state.step === 'failed' && (
        <p className="field-error" role="alert">
          {state.fileName}: {errorText(state.error)}
        </p>
      )}
      {state.step === 'done' && (
        <section className="stack" aria-label={t('import.result')} data-testid="import-result">
          <p role="status">
            {t('import.summary', {
              total: formatNumber(state.report.total),
              created: formatNumber(state.report.created),
              skipped: formatNumber(state.report.skipped),
              failed: formatNumber(state.report.failed),
            })}
          </p>
          {state.report.errors.length > 0 && (
            <>
              <div className="table-wrap table-wrap-short">
                <table>
                  <caption className="visually-hidden">{t('import.errors')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('import.line')}</th>
                      <th scope="col">{t('import.reason')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {state.report.errors.map((error) => (
                      <tr key={error.line}>
                        <td>{error.line}</td>
                        <td>{error.reason}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {state.report.failed > state.report.errors.length && (
                <p className="muted">{t('import.moreErrors', { shown: formatNumber(state.report.errors.length) })}</p>
              )}
              <div>
                <button type="button" className="button" onClick={() => saveCsv(importErrorsCsv(state.report.errors), 'import-errors.csv')}>
                  {t('import.downloadErrors')}
                </button>
              </div>
            </>
          )}
        </section>
      )}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose}>
          {t('common.close')}
        </button>
      </div>
    </div>
  );
}
