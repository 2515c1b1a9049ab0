//! Rows the store's own tests start from: a running campaign and its enrolled contacts, written
//! straight into the test database so each test reaches the state its rule applies to.

use crate::Store;
use campaign_domain::MessageType;

/// A running campaign with `contacts` enrolled, queued; returns its id and the contacts' ids.
pub async fn running_campaign(store: &Store, contacts: usize) -> (i64, Vec<i64>) {
    let campaign_id = sqlx::query_scalar!(
        "INSERT INTO campaigns (name, message_1, message_2, status, started_at) \
         VALUES ('test', 'Hello', 'Thanks', 'running', now()) RETURNING id"
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    let mut contact_ids = Vec::new();
    for _ in 0..contacts {
        let contact_id = sqlx::query_scalar!(
            "INSERT INTO contacts (phone) \
             VALUES ('+3361' || lpad((SELECT count(*) FROM contacts)::text, 7, '0')) RETURNING id"
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        sqlx::query!(
            "INSERT INTO journeys (campaign_id, contact_id) VALUES ($1, $2)",
            campaign_id,
            contact_id,
        )
        .execute(store.pool())
        .await
        .unwrap();
        contact_ids.push(contact_id);
    }
    (campaign_id, contact_ids)
}

/// The id of the message a send of `message_type` to the contact prepares.
pub async fn prepared_message(
    store: &Store,
    campaign_id: i64,
    contact_id: i64,
    message_type: MessageType,
) -> i64 {
    match store
        .prepare_send(campaign_id, contact_id, message_type)
        .await
        .unwrap()
    {
        crate::SendPreparation::Send(send) => send.message_id,
        other => panic!("expected a send, got {other:?}"),
    }
}
