-- Message statistics and lists of one campaign (`GET /messages/stats?campaign_id=`,
-- `GET /messages?campaign_id=&status=`) count by status with an index-only scan instead of
-- visiting every message row of a 100k-contact campaign.
CREATE INDEX messages_campaign_status_idx ON messages (campaign_id, status);
