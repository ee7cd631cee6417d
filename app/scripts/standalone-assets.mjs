// `next build` leaves static assets outside .next/standalone; the server expects them
// beside it. The Dockerfile copies them the same way.
import { cpSync, existsSync } from "node:fs";

cpSync(".next/static", ".next/standalone/.next/static", { recursive: true });
if (existsSync("public")) cpSync("public", ".next/standalone/public", { recursive: true });
