/** Writing results where GitHub Actions picks them up, when running there. */
import { appendFileSync } from "fs";

/** Appends `name=value` to `$GITHUB_OUTPUT` (multi-line values use a delimiter). */
export function setOutput(name: string, value: string, env: NodeJS.ProcessEnv = process.env): void {
  if (!env.GITHUB_OUTPUT) return;
  const text = value.includes("\n") ? `${name}<<__EOF__\n${value}\n__EOF__\n` : `${name}=${value}\n`;
  appendFileSync(env.GITHUB_OUTPUT, text);
}

/** Appends markdown to the job summary (`$GITHUB_STEP_SUMMARY`). */
export function addSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
}
