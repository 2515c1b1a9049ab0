-- Issue 27, R25. A campaign may carry two to four variants of Message 1 (a text, or a template on
-- the Meta provider), each with a weight. Each contact's variant is a pure function of the
-- campaign's seed and the contact's id (campaign_domain::choose_variant), chosen when its Message 1
-- is prepared and recorded on the message and the journey. A relaunch keeps its original's seed,
-- so every contact gets the variant it had.
--
-- The variant names are campaign_domain::Variant::ALL's, exactly; a store test compares them.

CREATE TABLE campaign_variants (
    campaign_id        BIGINT NOT NULL,
    variant            TEXT NOT NULL,
    message_1          TEXT NOT NULL DEFAULT '',
    message_1_template JSONB,
    weight             INTEGER NOT NULL,
    CONSTRAINT campaign_variants_pkey PRIMARY KEY (campaign_id, variant),
    CONSTRAINT campaign_variants_campaign_fkey FOREIGN KEY (campaign_id)
        REFERENCES campaigns (id) ON DELETE CASCADE,
    CONSTRAINT campaign_variants_variant_check CHECK (variant IN ('A', 'B', 'C', 'D')),
    CONSTRAINT campaign_variants_weight_check CHECK (weight BETWEEN 1 AND 100),
    CONSTRAINT campaign_variants_content_check
        CHECK (message_1 <> '' OR message_1_template IS NOT NULL)
);

-- The seed of the variant choice: the campaign's own id, or its original's for a relaunch.
ALTER TABLE campaigns ADD COLUMN variant_seed BIGINT;

ALTER TABLE journeys ADD COLUMN variant TEXT,
    ADD CONSTRAINT journeys_variant_check CHECK (variant IN ('A', 'B', 'C', 'D'));
ALTER TABLE messages ADD COLUMN variant TEXT,
    ADD CONSTRAINT messages_variant_check CHECK (variant IN ('A', 'B', 'C', 'D')),
    ADD CONSTRAINT messages_variant_type_check CHECK (variant IS NULL OR message_type = 'message_1');

-- A campaign's variants as its reads return them, in variant order.
CREATE FUNCTION campaign_variants_json(campaign BIGINT) RETURNS JSONB
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN (SELECT coalesce(jsonb_agg(jsonb_build_object('variant', v.variant,
            'message_1', v.message_1, 'message_1_template', v.message_1_template,
            'weight', v.weight) ORDER BY v.variant), '[]'::jsonb)
        FROM campaign_variants v WHERE v.campaign_id = campaign);
