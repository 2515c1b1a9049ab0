-- Issue 25: each vocabulary is one Rust enum, and where SQL stores one a check constraint holds
-- it. The audit log only checked the shape of its names (`subject.verb`); these list them, as
-- campaign_domain::AuditAction::ALL and AuditTarget::ALL name them, exactly (a store test
-- compares them). Every name the engine ever wrote is listed, so existing rows pass.

ALTER TABLE audit_log
    ADD CONSTRAINT audit_log_action_check CHECK (action IN (
        'auth.login', 'auth.login_failed', 'auth.login_throttled', 'auth.refresh', 'auth.logout',
        'user.create', 'user.update', 'user.delete',
        'category.create', 'category.update', 'category.delete', 'category.add_contacts',
        'category.remove_contact',
        'contact.create', 'contact.update', 'contact.delete', 'contact.opt_out', 'contact.opt_in',
        'contact.verify', 'contacts.verify', 'contacts.import', 'contacts.export',
        'campaign.create', 'campaign.update', 'campaign.delete', 'campaign.schedule',
        'campaign.unschedule', 'campaign.send', 'campaign.launch_failed', 'campaign.stop',
        'campaign.resume', 'campaign.retry', 'campaign.relaunch',
        'templates.sync')),
    ADD CONSTRAINT audit_log_target_type_check
        CHECK (target_type IN ('user', 'session', 'contact', 'category', 'campaign'));
