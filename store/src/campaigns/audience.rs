//! Whom a campaign reaches (R23): the contacts of its categories and of earlier campaigns'
//! outcome sets, minus the sets it excludes, without opt-outs (R19) and contacts at the frequency
//! cap (R24). The preview here and the launch (`launch.rs`) read the audience through the same
//! SQL function, `audience_contacts`, so the count an operator reads is what the launch takes.

use crate::contacts::{Contact, fetch_contact};
use crate::{Store, StoreError};
use campaign_domain::{AudienceSet, FrequencyCap};
use sqlx::types::Json;
use sqlx::{PgExecutor, Postgres, Transaction};

/// An audience as an operator composes it.
#[derive(Debug, Clone, Copy)]
pub struct AudienceSource<'a> {
    pub category_ids: &'a [i64],
    pub sets: &'a [AudienceSet],
}

impl AudienceSource<'_> {
    /// Whether anything could be in it: a category or an included set.
    pub fn adds_contacts(&self) -> bool {
        !self.category_ids.is_empty() || self.sets.iter().any(|set| !set.exclude())
    }

    /// The campaigns the sets name, once each.
    fn source_campaigns(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.sets.iter().map(AudienceSet::campaign_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// How many contacts one source holds on its own, before the others, the exclusions, opt-outs
/// and the cap: a category, or an outcome set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceCount {
    Category { category_id: i64, contacts: i64 },
    Set { set: AudienceSet, contacts: i64 },
}

/// Whom a launch of this audience would reach, each source counted, and one contact to preview
/// the texts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience {
    /// Contacts a launch would snapshot: each once, the excluded sets taken out, and ...
    pub contacts: i64,
    /// ... without those who opted out (R19) ...
    pub opted_out: i64,
    /// ... or reached the frequency cap (R24).
    pub capped: i64,
    /// Contacts of the snapshot the provider said WhatsApp cannot reach (a number check, or
    /// Meta's 131026 on an earlier send).
    pub not_on_whatsapp: i64,
    pub sources: Vec<SourceCount>,
    pub sample: Option<Contact>,
}

impl Store {
    /// The audience a launch would snapshot from `source` under `cap`, with each source counted.
    pub async fn audience(
        &self,
        source: AudienceSource<'_>,
        cap: Option<FrequencyCap>,
    ) -> Result<Audience, StoreError> {
        let sets = Json(source.sets);
        let reach = sqlx::query!(
            r#"WITH a AS (SELECT a.contact_id, k.opted_out_at IS NOT NULL AS opted_out,
                   k.whatsapp_verified = false AS unreachable,
                   (k.opted_out_at IS NULL AND $3::integer IS NOT NULL AND message_1s_received_since(
                     a.contact_id, now() - make_interval(days => $4::integer)) >= $3::integer) AS capped
                 FROM audience_contacts($1, $2) a JOIN contacts k ON k.id = a.contact_id)
               SELECT count(*) FILTER (WHERE NOT opted_out AND NOT capped) AS "contacts!",
                 count(*) FILTER (WHERE opted_out) AS "opted_out!",
                 count(*) FILTER (WHERE capped) AS "capped!",
                 count(*) FILTER (WHERE NOT opted_out AND NOT capped AND unreachable) AS "not_on_whatsapp!",
                 min(contact_id) FILTER (WHERE NOT opted_out AND NOT capped) AS sample_id
               FROM a"#,
            source.category_ids,
            &sets as _,
            cap.map(|cap| cap.max_message_1() as i32),
            cap.map(|cap| cap.days() as i32),
        )
        .fetch_one(&self.pool)
        .await?;
        let categories = sqlx::query!(
            r#"SELECT c.id AS "category_id!",
                 (SELECT count(*) FROM contact_categories cc WHERE cc.category_id = c.id) AS "contacts!"
               FROM unnest($1::bigint[]) WITH ORDINALITY AS c(id, position) ORDER BY c.position"#,
            source.category_ids,
        )
        .fetch_all(&self.pool)
        .await?;
        let set_counts = sqlx::query_scalar!(
            r#"SELECT (SELECT count(*) FROM outcome_contacts((s.value ->> 'campaign_id')::bigint,
                   s.value ->> 'outcome', s.value ->> 'failure_kind')) AS "contacts!"
               FROM jsonb_array_elements($1) WITH ORDINALITY AS s(value, position) ORDER BY s.position"#,
            &sets as _,
        )
        .fetch_all(&self.pool)
        .await?;
        let sources = categories
            .into_iter()
            .map(|category| SourceCount::Category {
                category_id: category.category_id,
                contacts: category.contacts,
            })
            .chain(
                source
                    .sets
                    .iter()
                    .zip(set_counts)
                    .map(|(&set, contacts)| SourceCount::Set { set, contacts }),
            )
            .collect();
        let sample = match reach.sample_id {
            Some(id) => Some(fetch_contact(&self.pool, id).await?),
            None => None,
        };
        Ok(Audience {
            contacts: reach.contacts,
            opted_out: reach.opted_out,
            capped: reach.capped,
            not_on_whatsapp: reach.not_on_whatsapp,
            sources,
            sample,
        })
    }

    /// The campaigns among the sets of `source` that do not exist or never ran, which have no
    /// outcomes to select from (a draft, or a scheduled campaign not yet launched).
    pub async fn unusable_sources(
        &self,
        source: AudienceSource<'_>,
    ) -> Result<Vec<i64>, StoreError> {
        unusable_sources(&self.pool, &source.source_campaigns()).await
    }
}

async fn unusable_sources(
    executor: impl PgExecutor<'_>,
    campaign_ids: &[i64],
) -> Result<Vec<i64>, StoreError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT wanted.id AS "id!" FROM unnest($1::bigint[]) AS wanted(id)
           WHERE NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.id = wanted.id AND c.started_at IS NOT NULL)
           ORDER BY 1"#,
        campaign_ids,
    )
    .fetch_all(executor)
    .await?)
}

/// Replaces a draft's outcome sets, after checking their campaigns ran; `Err` names those that
/// did not, and then nothing was written.
pub(super) async fn set_audience_sets(
    tx: &mut Transaction<'_, Postgres>,
    campaign_id: i64,
    sets: &[AudienceSet],
) -> Result<Result<(), Vec<i64>>, StoreError> {
    let source = AudienceSource {
        category_ids: &[],
        sets,
    };
    let unusable = unusable_sources(&mut **tx, &source.source_campaigns()).await?;
    if !unusable.is_empty() {
        return Ok(Err(unusable));
    }
    sqlx::query!(
        "DELETE FROM campaign_audience_sets WHERE campaign_id = $1",
        campaign_id
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "INSERT INTO campaign_audience_sets (campaign_id, source_campaign_id, outcome, failure_kind, exclude) \
         SELECT $1, s.campaign_id, s.outcome, s.failure_kind, s.exclude \
         FROM jsonb_to_recordset($2) AS s(campaign_id BIGINT, outcome TEXT, failure_kind TEXT, exclude BOOLEAN) \
         ON CONFLICT DO NOTHING",
        campaign_id,
        Json(sets) as _,
    )
    .execute(&mut **tx)
    .await?;
    Ok(Ok(()))
}

/// Whether a draft's audience has a source that adds contacts: a category or an included set.
pub(super) async fn has_audience_source(
    tx: &mut Transaction<'_, Postgres>,
    campaign_id: i64,
) -> Result<bool, StoreError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM campaign_categories WHERE campaign_id = $1)
             OR EXISTS (SELECT 1 FROM campaign_audience_sets WHERE campaign_id = $1 AND NOT exclude)
             AS "has_source!""#,
        campaign_id,
    )
    .fetch_one(&mut **tx)
    .await?)
}
