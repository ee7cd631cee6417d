/**
 * NextAuth: its secret and URL come only from the environment (NEXTAUTH_SECRET,
 * NEXTAUTH_URL), which the cluster fills from the Doppler-synced Secret. GitHub sign-in
 * is offered when its client credentials are set.
 */
import type { NextAuthOptions } from "next-auth";
import GitHub from "next-auth/providers/github";

export function authOptions(): NextAuthOptions {
  const providers = [];
  if (process.env.GITHUB_ID && process.env.GITHUB_SECRET) {
    providers.push(GitHub({ clientId: process.env.GITHUB_ID, clientSecret: process.env.GITHUB_SECRET }));
  }
  return { secret: process.env.NEXTAUTH_SECRET, providers, session: { strategy: "jwt" } };
}
