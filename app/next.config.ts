import type { NextConfig } from "next";
import { STATIC_HEADERS } from "./src/lib/security-headers";

const config: NextConfig = {
  // A self-contained server in .next/standalone: the runtime image copies only that.
  output: "standalone",
  // This folder is the app's root even inside the infra repository (which has a lockfile
  // of its own): traced files are laid out relative to it.
  outputFileTracingRoot: __dirname,
  turbopack: { root: __dirname },
  poweredByHeader: false,
  // Maps for the browser's bundles too: scripts/sourcemaps.mjs uploads them to Sentry and
  // deletes every map before anything is copied into an image.
  productionBrowserSourceMaps: true,
  // Loaded by Node at run time rather than bundled: pino's workers, Prisma's adapter and pg.
  serverExternalPackages: ["pino", "pino-pretty", "pg", "@prisma/adapter-pg"],
  // Static files too; the per-request policy (CSP, HSTS) comes from src/proxy.ts.
  headers: async () => [{ source: "/:path*", headers: Object.entries(STATIC_HEADERS).map(([key, value]) => ({ key, value })) }],
};

export default config;
