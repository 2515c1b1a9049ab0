// User administration (super_admin only). The nav hides it from admins; reached anyway, the
// API's 403 message is what shows.

import { useState, type FormEvent } from 'react';
import { useCreateUser, useDeleteUser, useUpdateUser, useUsers } from '../api/users';
import type { Role, User } from '../api/types';
import { useSession } from '../auth/useSession';
import { RowDeleteButton } from '../components/RowDeleteButton';
import { Dialog } from '../components/Dialog';
import { QueryStates } from '../components/QueryStates';
import { useErrorText } from '../components/States';
import { toast } from '../components/toastStore';
import { useI18n } from '../i18n/I18nProvider';
import { ActionsColumnHeader } from '../components/ActionsColumnHeader';
import { FormDialogActions } from '../components/FormDialogActions';
import { FormError } from '../components/FormError';
import { everyValue } from '../lib/vocabulary';

const ROLES = everyValue<Role>()(['admin', 'super_admin']);

function NewUserDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useI18n();
  const create = useCreateUser();
  const [email, setEmail] = useState('');
  const [fullName, setFullName] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('admin');

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate(
      { email: email.trim(), full_name: fullName.trim() || null, password, role },
      {
        onSuccess: () => {
          toast.success(t('users.created', { email }));
          setEmail('');
          setFullName('');
          setPassword('');
          onClose();
        },
      },
    );
  }

  return (
    <Dialog title={t('users.new')} open={open} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <div className="field">
          <label htmlFor="user-email">{t('login.email')}</label>
          <input id="user-email" type="email" required autoComplete="off" value={email} onChange={(event) => setEmail(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="user-name">{t('users.fullName')}</label>
          <input id="user-name" autoComplete="off" value={fullName} onChange={(event) => setFullName(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="user-password">{t('login.password')}</label>
          <input
            id="user-password"
            type="password"
            required
            minLength={8}
            autoComplete="new-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="user-role">{t('users.role')}</label>
          <select id="user-role" value={role} onChange={(event) => setRole(event.target.value as Role)}>
            {ROLES.map((value) => (
              <option key={value} value={value}>
                {t(`role.${value}`)}
              </option>
            ))}
          </select>
        </div>
        <FormError error={create.error} />
        <FormDialogActions submitLabel={t('users.create')} pending={create.isPending} onCancel={onClose} />
      </form>
    </Dialog>
  );
}

function UserRow({ user, isMe }: { user: User; isMe: boolean }) {
  const { t, formatDateTime } = useI18n();
  const errorText = useErrorText();
  const update = useUpdateUser();
  const remove = useDeleteUser();
  const report = (error: unknown) => toast.error(errorText(error));
  const label = user.full_name || user.email;
  return (
    <tr>
      <td>{user.full_name || '—'}</td>
      <td>{user.email}</td>
      <td>
        <label className="visually-hidden" htmlFor={`role-${user.id}`}>
          {t('users.roleOf', { name: label })}
        </label>
        <select
          id={`role-${user.id}`}
          value={user.role}
          disabled={isMe || update.isPending}
          onChange={(event) => {
            const role = ROLES.find((value) => value === event.target.value);
            if (role) update.mutate({ id: user.id, changes: { role } }, { onError: report });
          }}
        >
          {ROLES.map((value) => (
            <option key={value} value={value}>
              {t(`role.${value}`)}
            </option>
          ))}
        </select>
      </td>
      <td>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={user.is_active}
            disabled={isMe || update.isPending}
            onChange={(event) => update.mutate({ id: user.id, changes: { is_active: event.target.checked } }, { onError: report })}
          />
          <span className="visually-hidden">{t('users.activeOf', { name: label })}</span>
          <span aria-hidden="true">{user.is_active ? t('users.active') : t('users.inactive')}</span>
        </label>
      </td>
      <td>{formatDateTime(user.created_at)}</td>
      <td className="cell-actions">
        {!isMe && (
          <RowDeleteButton
            title={t('users.deleteTitle')}
            pending={remove.isPending}
            onConfirm={() => remove.mutateAsync(user.id, { onError: report })}
          >
            {t('users.deleteBody', { name: label })}
          </RowDeleteButton>
        )}
      </td>
    </tr>
  );
}

export default function UsersPage() {
  const { t } = useI18n();
  const session = useSession();
  const users = useUsers();
  const [creating, setCreating] = useState(false);
  const myId = session.status === 'signedIn' ? session.user.id : null;

  return (
    <div className="stack">
      <div className="page-head">
        <h1>{t('nav.users')}</h1>
        {users.isSuccess && (
          <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
            {t('users.new')}
          </button>
        )}
      </div>
      <QueryStates query={users} isEmpty={(list) => list.length === 0} emptyText={t('users.empty')}>
        {(data) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('users.fullName')}</th>
                  <th scope="col">{t('login.email')}</th>
                  <th scope="col">{t('users.role')}</th>
                  <th scope="col">{t('users.status')}</th>
                  <th scope="col">{t('campaigns.created')}</th>
                  <ActionsColumnHeader />
                </tr>
              </thead>
              <tbody>
                {data.map((user) => (
                  <UserRow key={user.id} user={user} isMe={user.id === myId} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryStates>
      <NewUserDialog open={creating} onClose={() => setCreating(false)} />
    </div>
  );
}
