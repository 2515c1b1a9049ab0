-- Issue 23, SPEC §7: Meta's WhatsApp Cloud API as a provider.
--
-- On the Cloud API, Message 1 is an approved template. A campaign names its template and where
-- each parameter comes from; the business account's catalog is kept here, read from Meta and
-- kept current by its webhooks, so a launch can refuse a template that does not match.

CREATE TABLE whatsapp_templates (
    name              TEXT NOT NULL,
    language          TEXT NOT NULL,
    category          TEXT NOT NULL,
    status            TEXT NOT NULL,
    parameter_format  TEXT NOT NULL,
    header_text       TEXT,
    body_text         TEXT NOT NULL,
    -- Why Meta gave the template its status (a rejection or a pause), when it said.
    status_reason     TEXT,
    -- Meta's quality rating (GREEN, YELLOW, RED, UNKNOWN), when a quality webhook said.
    quality           TEXT,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT whatsapp_templates_pkey PRIMARY KEY (name, language),
    CONSTRAINT whatsapp_templates_category_check
        CHECK (category IN ('marketing', 'utility', 'authentication')),
    CONSTRAINT whatsapp_templates_status_check CHECK (status IN ('approved', 'pending',
        'rejected', 'paused', 'disabled', 'in_appeal', 'pending_deletion', 'deleted',
        'limit_exceeded', 'archived')),
    CONSTRAINT whatsapp_templates_parameter_format_check
        CHECK (parameter_format IN ('positional', 'named'))
);

-- A campaign's templates (JSON of `TemplateMessage`): Message 1's, required on the Meta
-- provider, and Message 2's fallback for a closed customer-service window (131047). A campaign
-- with a Message 1 template may leave the Message 1 text empty.
--
-- A campaign is paused (sends wait, nothing fails) while `paused_reason` is set: its template
-- was paused or disabled by Meta, or the provider refused our credentials. An operator resumes
-- it once the cause is fixed.
ALTER TABLE campaigns
    ADD COLUMN message_1_template JSONB,
    ADD COLUMN message_2_template JSONB,
    ADD COLUMN paused_reason TEXT,
    ADD COLUMN paused_at TIMESTAMPTZ,
    ADD CONSTRAINT campaigns_message_1_present_check
        CHECK (message_1 <> '' OR message_1_template IS NOT NULL),
    ADD CONSTRAINT campaigns_paused_has_time_check
        CHECK ((paused_reason IS NULL) = (paused_at IS NULL)),
    ADD CONSTRAINT campaigns_paused_reason_check
        CHECK (paused_reason IS NULL OR char_length(paused_reason) BETWEEN 1 AND 500);
CREATE INDEX campaigns_message_1_template_idx ON campaigns
    ((message_1_template ->> 'name'), (message_1_template ->> 'language'))
    WHERE message_1_template IS NOT NULL;

-- The Cloud API has no search of sent messages, so a send retried after an unknown outcome
-- cannot ask Meta whether the earlier call got through. Meta echoes our reference
-- (`biz_opaque_callback_data`) in each status webhook: the first one for a message is kept here,
-- and the retry finds the earlier acceptance in it.
CREATE TABLE provider_receipts (
    reference            TEXT NOT NULL,
    provider_message_id  TEXT NOT NULL,
    accepted_at          TIMESTAMPTZ NOT NULL,
    recorded_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT provider_receipts_pkey PRIMARY KEY (reference),
    CONSTRAINT provider_receipts_provider_message_id_key UNIQUE (provider_message_id)
);

-- One row: whether the provider refused our credentials (health reports it down until an
-- operator resumes), and the business's messaging limit as last read from Meta.
CREATE TABLE provider_state (
    id                       BOOLEAN NOT NULL DEFAULT true,
    down_reason              TEXT,
    down_since               TIMESTAMPTZ,
    messaging_limit          INTEGER,
    messaging_limit_read_at  TIMESTAMPTZ,
    CONSTRAINT provider_state_pkey PRIMARY KEY (id),
    CONSTRAINT provider_state_single_row_check CHECK (id),
    CONSTRAINT provider_state_down_has_time_check
        CHECK ((down_reason IS NULL) = (down_since IS NULL)),
    CONSTRAINT provider_state_messaging_limit_check
        CHECK (messaging_limit IS NULL OR messaging_limit > 0)
);
INSERT INTO provider_state DEFAULT VALUES;

-- The Meta messaging limit counts unique contacts reached by a business-initiated message
-- (Message 1) in a moving 24 hours.
CREATE INDEX messages_message_1_sent_idx ON messages (sent_at)
    WHERE message_type = 'message_1' AND sent_at IS NOT NULL;

-- A catalog row as the JSON of the domain's `CatalogTemplate`, for queries that read a
-- campaign's template with its entry.
CREATE FUNCTION catalog_entry(t whatsapp_templates) RETURNS JSONB
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN jsonb_build_object('name', t.name, 'language', t.language, 'category', t.category,
        'status', t.status, 'parameter_format', t.parameter_format,
        'header_text', t.header_text, 'body_text', t.body_text);

-- A Message 2 that Meta accepted and then refused because the customer-service window was
-- closed (131047) goes again as the campaign's Message 2 template: the same message, sent a
-- second way, once. Its provider id is kept beside the first.
ALTER TABLE messages
    ADD COLUMN window_fallback_provider_id TEXT,
    ADD COLUMN window_fallback_sent_at TIMESTAMPTZ,
    ADD CONSTRAINT messages_window_fallback_provider_id_key UNIQUE (window_fallback_provider_id),
    ADD CONSTRAINT messages_window_fallback_sent_check
        CHECK ((window_fallback_provider_id IS NULL) = (window_fallback_sent_at IS NULL)),
    ADD CONSTRAINT messages_window_fallback_message_2_check
        CHECK (window_fallback_provider_id IS NULL OR message_type = 'message_2');
