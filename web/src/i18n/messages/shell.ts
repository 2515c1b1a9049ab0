// Texts of the console around the pages: title, navigation, shared words, errors, sign-in and the
// missing page, in English and French. dictionary.ts merges every area; `fr` must have exactly the
// keys of `en` (the type says so).

export const en = {
  'app.title': 'Campaign console',

  'nav.label': 'Main',
  'nav.skip': 'Skip to content',
  'nav.menu': 'Menu',
  'nav.language': 'Language',
  'nav.signOut': 'Sign out',
  'nav.dashboard': 'Dashboard',
  'nav.contacts': 'Contacts',
  'nav.categories': 'Categories',
  'nav.campaigns': 'Campaigns',
  'nav.messages': 'Messages',
  'nav.monitoring': 'Monitoring',
  'nav.users': 'Users',
  'nav.audit': 'Audit log',

  'common.loading': 'Loading…',
  'common.actions': 'Actions',
  'common.all': 'All',
  'common.cancel': 'Cancel',
  'common.close': 'Close',
  'common.delete': 'Delete',
  'common.dismiss': 'Dismiss',
  'common.edit': 'Edit',
  'common.save': 'Save',
  'common.saved': 'Saved',
  'common.search': 'Search',
  'common.status': 'Status',
  'common.pagination': 'Pages',
  'common.previous': 'Previous',
  'common.next': 'Next',
  'common.pageOf': 'Page {page} of {pages} · {total} in all',

  'errors.network': 'The server could not be reached. Check your connection and try again.',
  'errors.unknown': 'Something went wrong.',

  'login.email': 'Email',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.expired': 'Your session has ended. Sign in again to go back to the page you were on.',

  'notFound.title': 'Page not found',
  'notFound.back': 'Back to the dashboard',
  'nav.templates': 'Templates',
} as const;

export const fr: Record<keyof typeof en, string> = {
  'app.title': 'Console des campagnes',

  'nav.label': 'Principale',
  'nav.skip': 'Aller au contenu',
  'nav.menu': 'Menu',
  'nav.language': 'Langue',
  'nav.signOut': 'Se déconnecter',
  'nav.dashboard': 'Tableau de bord',
  'nav.contacts': 'Contacts',
  'nav.categories': 'Catégories',
  'nav.campaigns': 'Campagnes',
  'nav.messages': 'Messages',
  'nav.monitoring': 'Surveillance',
  'nav.users': 'Utilisateurs',
  'nav.audit': 'Journal d’audit',

  'common.loading': 'Chargement…',
  'common.actions': 'Actions',
  'common.all': 'Tous',
  'common.cancel': 'Annuler',
  'common.close': 'Fermer',
  'common.delete': 'Supprimer',
  'common.dismiss': 'Fermer',
  'common.edit': 'Modifier',
  'common.save': 'Enregistrer',
  'common.saved': 'Enregistré',
  'common.search': 'Rechercher',
  'common.status': 'Statut',
  'common.pagination': 'Pages',
  'common.previous': 'Précédent',
  'common.next': 'Suivant',
  'common.pageOf': 'Page {page} sur {pages} · {total} au total',

  'errors.network': 'Le serveur est injoignable. Vérifiez votre connexion puis réessayez.',
  'errors.unknown': 'Une erreur est survenue.',

  'login.email': 'E-mail',
  'login.password': 'Mot de passe',
  'login.submit': 'Se connecter',
  'login.expired': 'Votre session a pris fin. Reconnectez-vous pour revenir à la page où vous étiez.',

  'notFound.title': 'Page introuvable',
  'notFound.back': 'Retour au tableau de bord',
  'nav.templates': 'Modèles',
};
