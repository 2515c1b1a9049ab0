// The console: the login form while signed out (whatever the URL, so after signing in the
// operator is back on the page asked for), else the screens. The silent session refresh on load
// is started by the entry (main.tsx) before this code has loaded.
// Every screen but the dashboard is loaded when first opened.

import { QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useState } from 'react';
import { Route, Switch } from 'wouter';
import { createQueryClient } from './api/queryClient';
import { onSignOut } from './auth/session';
import { useSession } from './auth/useSession';
import { Layout } from './components/Layout';
import { Loading } from './components/States';
import { Toasts } from './components/Toasts';
import { I18nProvider } from './i18n/I18nProvider';
import { DashboardPage } from './pages/DashboardPage';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage } from './pages/NotFoundPage';

const ContactsPage = lazy(() => import('./pages/contacts/ContactsPage'));
const CategoriesPage = lazy(() => import('./pages/categories/CategoriesPage'));
const CategoryDetailPage = lazy(() => import('./pages/categories/CategoryDetailPage'));
const CampaignsPage = lazy(() => import('./pages/campaigns/CampaignsPage'));
const CampaignEditorPage = lazy(() => import('./pages/campaigns/CampaignEditorPage'));
const CampaignDetailPage = lazy(() => import('./pages/campaigns/CampaignDetailPage'));
const MessagesPage = lazy(() => import('./pages/MessagesPage'));
const MonitoringPage = lazy(() => import('./pages/MonitoringPage'));
const UsersPage = lazy(() => import('./pages/UsersPage'));
const AuditPage = lazy(() => import('./pages/AuditPage'));
const TemplatesPage = lazy(() => import('./pages/TemplatesPage'));

function Screens() {
  return (
    <Layout>
      <Suspense fallback={<Loading />}>
        <Switch>
          <Route path="/" component={DashboardPage} />
          <Route path="/contacts" component={ContactsPage} />
          <Route path="/categories" component={CategoriesPage} />
          <Route path="/categories/:id">{(params) => <CategoryDetailPage id={Number(params.id)} />}</Route>
          <Route path="/campaigns" component={CampaignsPage} />
          <Route path="/campaigns/new">{() => <CampaignEditorPage id={null} />}</Route>
          <Route path="/campaigns/:id/edit">{(params) => <CampaignEditorPage id={Number(params.id)} />}</Route>
          <Route path="/campaigns/:id">{(params) => <CampaignDetailPage id={Number(params.id)} />}</Route>
          <Route path="/messages" component={MessagesPage} />
          <Route path="/monitoring" component={MonitoringPage} />
          <Route path="/templates" component={TemplatesPage} />
          <Route path="/users" component={UsersPage} />
          <Route path="/audit" component={AuditPage} />
          <Route component={NotFoundPage} />
        </Switch>
      </Suspense>
    </Layout>
  );
}

function SessionGate() {
  const session = useSession();

  if (session.status === 'starting') return <Loading />;
  if (session.status === 'signedOut') return <LoginPage expired={session.expired} unreachable={session.unreachable} />;
  return <Screens />;
}

export function App() {
  const [queryClient] = useState(createQueryClient);

  // Another user may sign in next: nothing cached for this one may show.
  useEffect(() => onSignOut(() => queryClient.clear()), [queryClient]);

  return (
    <I18nProvider>
      <QueryClientProvider client={queryClient}>
        <SessionGate />
        <Toasts />
      </QueryClientProvider>
    </I18nProvider>
  );
}
