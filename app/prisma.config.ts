// Migrations connect directly (DIRECT_URL), not through Neon's pooler, which cannot hold
// the session locks `prisma migrate deploy` takes. No imports: in the runtime image this
// file is read by the Prisma CLI installed outside the app's node_modules.
export default {
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DIRECT_URL ?? process.env.DATABASE_URL ?? "" },
};
