import type { NextConfig } from "next";

const config: NextConfig = {
  // A self-contained server in .next/standalone: the runtime image copies only that.
  output: "standalone",
  // This folder is the app's root even inside the infra repository (which has a lockfile
  // of its own): traced files are laid out relative to it.
  outputFileTracingRoot: __dirname,
  turbopack: { root: __dirname },
  poweredByHeader: false,
  // Loaded by Node at run time rather than bundled: pino's workers, Prisma's adapter and pg.
  serverExternalPackages: ["pino", "pino-pretty", "pg", "@prisma/adapter-pg"],
};

export default config;
