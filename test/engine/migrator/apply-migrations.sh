#!/bin/sh
# Applies prisma/migrations/*/migration.sql in order, each once, in one transaction with its
# record in _prisma_migrations (checksum, name, times): what `prisma migrate deploy` does.
set -eu
url=${DIRECT_URL:-$DATABASE_URL}
psql "$url" -v ON_ERROR_STOP=1 -q -c 'CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)'
for dir in $(ls -d /app/prisma/migrations/*/ | sort); do
  name=$(basename "$dir")
  done_already=$(psql "$url" -tA -c "SELECT count(*) FROM \"_prisma_migrations\" WHERE migration_name = '$name' AND finished_at IS NOT NULL")
  [ "$done_already" = 0 ] || continue
  sum=$(sha256sum "$dir/migration.sql" | cut -d' ' -f1)
  id=$(cat /proc/sys/kernel/random/uuid)
  { cat "$dir/migration.sql"; printf '\nINSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES (%s, %s, now(), %s, 1);\n' "'$id'" "'$sum'" "'$name'"; } |
    psql "$url" -v ON_ERROR_STOP=1 -q -1 -f -
  echo "{\"level\":\"info\",\"msg\":\"applied migration\",\"migration\":\"$name\"}"
done
