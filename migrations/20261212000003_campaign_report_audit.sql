-- Issue 27. Taking a campaign's per-recipient report is audited like a contact export
-- (campaign_domain::AuditAction::CampaignReport); the list stays AuditAction::ALL exactly.

ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check,
    ADD CONSTRAINT audit_log_action_check CHECK (action IN (
        'auth.login', 'auth.login_failed', 'auth.login_throttled', 'auth.refresh', 'auth.logout',
        'user.create', 'user.update', 'user.delete',
        'category.create', 'category.update', 'category.delete', 'category.add_contacts',
        'category.remove_contact',
        'contact.create', 'contact.update', 'contact.delete', 'contact.opt_out', 'contact.opt_in',
        'contact.verify', 'contacts.verify', 'contacts.import', 'contacts.export',
        'campaign.create', 'campaign.update', 'campaign.delete', 'campaign.schedule',
        'campaign.unschedule', 'campaign.send', 'campaign.launch_failed', 'campaign.stop',
        'campaign.resume', 'campaign.retry', 'campaign.relaunch', 'campaign.report',
        'templates.sync'));
