/**
 * The Prisma client, created on first use: the pooled DATABASE_URL through the pg driver
 * adapter (no native engine). One client per server process.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";

let client: PrismaClient | undefined;

export function db(): PrismaClient {
  if (!client) {
    const connectionString = process.env.DATABASE_URL;
    if (!connectionString) throw new Error("DATABASE_URL is not set");
    client = new PrismaClient({ adapter: new PrismaPg({ connectionString, connectionTimeoutMillis: 2_000 }) });
  }
  return client;
}
