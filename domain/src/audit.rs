//! The names of the audit log (R22): who acts, what they do, and to what. The rows store these
//! names as text and must keep them (the log is append-only), so renaming a variant's text would
//! orphan its history; the database holds the same lists (`audit_log_*_check`).

use crate::vocabulary::vocabulary;

vocabulary! {
    /// Who acted.
    pub enum ActorKind {
        /// An operator.
        User = "user",
        /// A contact acting through the provider (opt-out, R19).
        Contact = "contact",
        /// Nobody authenticated: a sign-in that did not succeed.
        Anonymous = "anonymous",
    }
}

vocabulary! {
    /// What was done: `subject.verb`.
    pub enum AuditAction {
        AuthLogin = "auth.login",
        AuthLoginFailed = "auth.login_failed",
        AuthLoginThrottled = "auth.login_throttled",
        AuthRefresh = "auth.refresh",
        AuthLogout = "auth.logout",
        UserCreate = "user.create",
        UserUpdate = "user.update",
        UserDelete = "user.delete",
        CategoryCreate = "category.create",
        CategoryUpdate = "category.update",
        CategoryDelete = "category.delete",
        CategoryAddContacts = "category.add_contacts",
        CategoryRemoveContact = "category.remove_contact",
        ContactCreate = "contact.create",
        ContactUpdate = "contact.update",
        ContactDelete = "contact.delete",
        ContactOptOut = "contact.opt_out",
        ContactOptIn = "contact.opt_in",
        ContactVerify = "contact.verify",
        ContactsVerify = "contacts.verify",
        ContactsImport = "contacts.import",
        ContactsExport = "contacts.export",
        CampaignCreate = "campaign.create",
        CampaignUpdate = "campaign.update",
        CampaignDelete = "campaign.delete",
        CampaignSchedule = "campaign.schedule",
        CampaignUnschedule = "campaign.unschedule",
        CampaignSend = "campaign.send",
        CampaignLaunchFailed = "campaign.launch_failed",
        CampaignStop = "campaign.stop",
        CampaignResume = "campaign.resume",
        CampaignRetry = "campaign.retry",
        CampaignRelaunch = "campaign.relaunch",
        CampaignReport = "campaign.report",
        TemplatesSync = "templates.sync",
    }
}

vocabulary! {
    /// What kind of thing an action was done to.
    pub enum AuditTarget {
        User = "user",
        Session = "session",
        Contact = "contact",
        Category = "category",
        Campaign = "campaign",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_distinct_and_serialise_as_themselves() {
        fn check<T>(all: &[T], name: fn(&T) -> &'static str)
        where
            T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
        {
            let names: HashSet<_> = all.iter().map(name).collect();
            assert_eq!(names.len(), all.len());
            for value in all {
                let json = serde_json::to_value(value).unwrap();
                assert_eq!(json, name(value));
                assert_eq!(&serde_json::from_value::<T>(json).unwrap(), value);
            }
        }
        check(&ActorKind::ALL, |kind| kind.as_str());
        check(&AuditAction::ALL, |action| action.as_str());
        check(&AuditTarget::ALL, |target| target.as_str());
    }

    #[test]
    fn actions_keep_the_subject_verb_format_the_table_checks() {
        for action in AuditAction::ALL {
            let (subject, verb) = action.as_str().split_once('.').unwrap();
            for part in [subject, verb] {
                assert!(
                    !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                );
            }
        }
    }
}
