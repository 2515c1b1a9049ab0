-- The whole data model of SPEC section 5. Invariants that matter for correctness are enforced
-- here as well as in code: one message per (campaign, contact, type), unique provider ids,
-- forward-only message status, final journey states that do not move.

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    full_name     TEXT,
    role          TEXT NOT NULL DEFAULT 'admin',
    is_active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT users_role_check CHECK (role IN ('admin', 'super_admin'))
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE categories (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL,
    color       TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT categories_name_key UNIQUE (name)
);

CREATE TABLE contacts (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone                TEXT NOT NULL,
    first_name           TEXT,
    last_name            TEXT,
    whatsapp_verified    BOOLEAN,
    whatsapp_verified_at TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT contacts_phone_key UNIQUE (phone),
    CONSTRAINT contacts_phone_e164_check CHECK (phone ~ '^\+[1-9][0-9]{7,14}$')
);
-- Search by name or phone fragment.
CREATE INDEX contacts_names_idx ON contacts (lower(coalesce(first_name, '') || ' ' || coalesce(last_name, '')));

CREATE TABLE contact_categories (
    contact_id  BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    category_id BIGINT NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    added_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (category_id, contact_id)
);
CREATE INDEX contact_categories_contact_idx ON contact_categories (contact_id);

CREATE TABLE campaigns (
    id                     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                   TEXT NOT NULL,
    message_1              TEXT NOT NULL,
    message_2              TEXT NOT NULL,
    -- Snapshot of windows, cutoff and pacing taken at launch (R16).
    settings               JSONB NOT NULL DEFAULT '{}'::jsonb,
    status                 TEXT NOT NULL DEFAULT 'draft',
    workflow_id            TEXT,
    -- Live counters maintained as outcomes arrive, so statistics never scan messages.
    total_contacts         INTEGER NOT NULL DEFAULT 0,
    messages_sent          INTEGER NOT NULL DEFAULT 0,
    messages_delivered     INTEGER NOT NULL DEFAULT 0,
    messages_read          INTEGER NOT NULL DEFAULT 0,
    messages_failed        INTEGER NOT NULL DEFAULT 0,
    interactions           INTEGER NOT NULL DEFAULT 0,
    message_2_sent         INTEGER NOT NULL DEFAULT 0,
    no_interaction         INTEGER NOT NULL DEFAULT 0,
    late_interaction       INTEGER NOT NULL DEFAULT 0,
    failed                 INTEGER NOT NULL DEFAULT 0,
    cancelled              INTEGER NOT NULL DEFAULT 0,
    final_stats            JSONB,
    created_by             BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at             TIMESTAMPTZ,
    completed_at           TIMESTAMPTZ,
    CONSTRAINT campaigns_status_check
        CHECK (status IN ('draft', 'running', 'completed', 'failed', 'cancelled')),
    CONSTRAINT campaigns_workflow_id_key UNIQUE (workflow_id)
);
CREATE INDEX campaigns_status_idx ON campaigns (status, created_at DESC);

CREATE TABLE campaign_categories (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    category_id BIGINT NOT NULL REFERENCES categories (id) ON DELETE RESTRICT,
    PRIMARY KEY (campaign_id, category_id)
);

-- One row per (campaign, contact): the audience snapshot taken at launch (R1) and the journey's
-- current state, which the API lists per contact.
CREATE TABLE journeys (
    campaign_id        BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    contact_id         BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    state              TEXT NOT NULL DEFAULT 'queued',
    failure_reason     TEXT,
    message_1_sent_at  TIMESTAMPTZ,
    first_interaction_at TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, contact_id),
    CONSTRAINT journeys_state_check CHECK (state IN (
        'queued', 'sending_message_1', 'awaiting_interaction', 'sending_message_2',
        'message_2_sent', 'no_interaction', 'late_interaction', 'failed', 'cancelled'))
);
CREATE INDEX journeys_campaign_state_idx ON journeys (campaign_id, state);
CREATE INDEX journeys_contact_idx ON journeys (contact_id, message_1_sent_at DESC);

CREATE FUNCTION journey_state_is_final(state TEXT) RETURNS BOOLEAN
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN state IN ('message_2_sent', 'no_interaction', 'late_interaction', 'failed', 'cancelled');

-- A final journey keeps its state; the only refinement is a late reply turning
-- no_interaction into late_interaction (R4).
CREATE FUNCTION journeys_keep_final_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF journey_state_is_final(OLD.state) AND NEW.state <> OLD.state
       AND NOT (OLD.state = 'no_interaction' AND NEW.state = 'late_interaction') THEN
        RAISE EXCEPTION 'journey (%, %) is final (%); cannot become %',
            OLD.campaign_id, OLD.contact_id, OLD.state, NEW.state
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journeys_final_state_check';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER journeys_keep_final_state BEFORE UPDATE OF state ON journeys
    FOR EACH ROW EXECUTE FUNCTION journeys_keep_final_state();

CREATE TABLE messages (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id         BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    contact_id          BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    message_type        TEXT NOT NULL,
    content             TEXT NOT NULL,
    status              TEXT NOT NULL DEFAULT 'pending',
    provider_message_id TEXT,
    attempts            INTEGER NOT NULL DEFAULT 0,
    error               TEXT,
    -- UTC day whose send ledger this message consumed; set once, so retries never consume twice.
    ledger_day          DATE,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at             TIMESTAMPTZ,
    delivered_at        TIMESTAMPTZ,
    read_at             TIMESTAMPTZ,
    failed_at           TIMESTAMPTZ,
    CONSTRAINT messages_type_check CHECK (message_type IN ('message_1', 'message_2')),
    CONSTRAINT messages_status_check CHECK (status IN ('pending', 'sent', 'delivered', 'read', 'failed')),
    -- R3: at most one Message 2 (and one Message 1) per (campaign, contact).
    CONSTRAINT messages_campaign_contact_type_key UNIQUE (campaign_id, contact_id, message_type),
    CONSTRAINT messages_provider_message_id_key UNIQUE (provider_message_id)
);
CREATE INDEX messages_status_created_idx ON messages (status, created_at DESC);
CREATE INDEX messages_contact_idx ON messages (contact_id, sent_at DESC);

-- R7: pending → sent → delivered → read; failed from pending or sent. Mirrors
-- campaign_domain::MessageStatus::can_advance_to.
CREATE FUNCTION message_status_can_advance(current_status TEXT, next_status TEXT) RETURNS BOOLEAN
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE current_status
        WHEN 'pending' THEN next_status IN ('sent', 'delivered', 'read', 'failed')
        WHEN 'sent' THEN next_status IN ('delivered', 'read', 'failed')
        WHEN 'delivered' THEN next_status = 'read'
        ELSE FALSE
    END;

CREATE FUNCTION messages_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> OLD.status AND NOT message_status_can_advance(OLD.status, NEW.status) THEN
        RAISE EXCEPTION 'message % cannot go from % back to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'messages_forward_only_check';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER messages_forward_only BEFORE UPDATE OF status ON messages
    FOR EACH ROW EXECUTE FUNCTION messages_forward_only();

CREATE TABLE interactions (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- NULL when the phone had no open journey (R6).
    campaign_id         BIGINT REFERENCES campaigns (id) ON DELETE SET NULL,
    contact_id          BIGINT REFERENCES contacts (id) ON DELETE CASCADE,
    phone               TEXT NOT NULL,
    interaction_type    TEXT NOT NULL,
    provider_message_id TEXT NOT NULL,
    content             TEXT,
    received_at         TIMESTAMPTZ NOT NULL,
    within_window       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT interactions_type_check CHECK (interaction_type IN
        ('text', 'emoji', 'voice', 'audio', 'image', 'video', 'document', 'other')),
    CONSTRAINT interactions_provider_message_id_key UNIQUE (provider_message_id)
);
CREATE INDEX interactions_campaign_contact_idx ON interactions (campaign_id, contact_id, received_at);
CREATE INDEX interactions_received_idx ON interactions (received_at);

-- R10: provider sends per UTC day, across all campaigns.
CREATE TABLE daily_send_ledger (
    day        DATE PRIMARY KEY,
    sent       INTEGER NOT NULL DEFAULT 0,
    message_1  INTEGER NOT NULL DEFAULT 0,
    message_2  INTEGER NOT NULL DEFAULT 0,
    errors     INTEGER NOT NULL DEFAULT 0,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT daily_send_ledger_sent_check CHECK (sent >= 0)
);

-- R13: shared circuit breaker state (one row), read by every worker before a send.
CREATE TABLE sending_circuit (
    id                 BOOLEAN PRIMARY KEY DEFAULT TRUE,
    paused_until       TIMESTAMPTZ,
    pause_reason       TEXT,
    consecutive_errors INTEGER NOT NULL DEFAULT 0,
    recent_errors      TIMESTAMPTZ[] NOT NULL DEFAULT '{}',
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT sending_circuit_single_row CHECK (id)
);
INSERT INTO sending_circuit (id) VALUES (TRUE);

-- R11: the shared Message 1 send clock (one row): the earliest time the next bulk send may leave.
CREATE TABLE send_clock (
    id             BOOLEAN PRIMARY KEY DEFAULT TRUE,
    next_send_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT send_clock_single_row CHECK (id)
);
INSERT INTO send_clock (id) VALUES (TRUE);
