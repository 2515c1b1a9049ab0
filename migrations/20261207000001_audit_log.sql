-- R22 audit log: who did what to what, from where, and when. Every state-changing API action
-- writes its row in the same transaction as the change, so a refused or rolled-back action
-- leaves none and a committed one cannot lack its row.
--
-- Append-only: no route changes a row, and the triggers below refuse UPDATE, DELETE and
-- TRUNCATE to every database user, the API's included. There is no foreign key to `users` or
-- `contacts`: the history of a deleted user stays, naming them by id and label.
--
-- Failed sign-ins are counted from this table too (`auth.login_failed` since the last
-- `auth.login` of the same email or address), so sign-in throttling holds across API restarts
-- and across several API processes.

CREATE TABLE audit_log (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- `user`: an operator; `contact`: a contact acting through the provider (opt-out, R19);
    -- `anonymous`: nobody authenticated (a failed sign-in, labelled with the email tried).
    actor_kind   TEXT NOT NULL,
    actor_id     BIGINT,
    actor_label  TEXT,
    action       TEXT NOT NULL,
    target_type  TEXT,
    target_id    TEXT,
    summary      JSONB NOT NULL DEFAULT '{}'::jsonb,
    client_addr  INET,
    CONSTRAINT audit_log_actor_kind_check CHECK (actor_kind IN ('user', 'contact', 'anonymous')),
    CONSTRAINT audit_log_actor_identified_check
        CHECK (actor_kind = 'anonymous' OR actor_id IS NOT NULL),
    CONSTRAINT audit_log_actor_label_length_check CHECK (char_length(actor_label) <= 320),
    -- `subject.verb`, e.g. `auth.login`, `contact.update`, `campaign.send`.
    CONSTRAINT audit_log_action_format_check CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
    CONSTRAINT audit_log_target_type_format_check CHECK (target_type ~ '^[a-z_]+$'),
    CONSTRAINT audit_log_target_id_length_check CHECK (char_length(target_id) <= 100),
    CONSTRAINT audit_log_target_id_needs_type_check CHECK (target_id IS NULL OR target_type IS NOT NULL),
    CONSTRAINT audit_log_summary_is_object_check CHECK (jsonb_typeof(summary) = 'object'),
    -- A short summary, not a copy of the data: an import reports counts, not its rows.
    CONSTRAINT audit_log_summary_size_check CHECK (octet_length(summary::text) <= 8192)
);

-- Newest first, the console's default page, and the time filter.
CREATE INDEX audit_log_occurred_idx ON audit_log (occurred_at DESC, id DESC);
CREATE INDEX audit_log_actor_id_idx ON audit_log (actor_id, occurred_at DESC) WHERE actor_id IS NOT NULL;
CREATE INDEX audit_log_actor_label_idx ON audit_log (lower(actor_label), occurred_at DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, occurred_at DESC);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id, occurred_at DESC);
-- The sign-in throttle's two counts: by email (the label) and by client address.
CREATE INDEX audit_log_sign_in_label_idx ON audit_log (actor_label, occurred_at DESC)
    WHERE action IN ('auth.login', 'auth.login_failed');
CREATE INDEX audit_log_sign_in_addr_idx ON audit_log (client_addr, occurred_at DESC)
    WHERE action IN ('auth.login', 'auth.login_failed');

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'audit rows are never changed or removed (R22)';
END $$;

CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
