-- Rows a new database starts with (local, previews): run by the migration Job after the
-- migrations (`app.seedCommand`), once per migrator image, so it must be idempotent.
-- Fixtures only: never a copy of anyone's data.
INSERT INTO "Entry" ("name", "message")
SELECT 'nextjs-infra', 'Welcome: this entry comes from prisma/seed.sql'
WHERE NOT EXISTS (SELECT 1 FROM "Entry" WHERE "name" = 'nextjs-infra');
