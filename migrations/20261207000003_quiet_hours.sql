-- R21 Quiet hours. A contact may have an IANA time zone of their own (`Europe/Paris`): no
-- Message 1 reaches them inside the campaign's quiet hours on their clock; without one, the
-- campaign's zone stands in. The name is checked against the time-zone database by the API
-- (chrono-tz), which the engine reads it with, rather than by Postgres, whose database may differ.
ALTER TABLE contacts
    ADD COLUMN time_zone TEXT,
    ADD CONSTRAINT contacts_time_zone_check CHECK (time_zone IS NULL OR btrim(time_zone) <> '');
