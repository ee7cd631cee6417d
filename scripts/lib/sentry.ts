/**
 * A deploy's Sentry release: after `up`, the release the pods report (`SENTRY_RELEASE`, the
 * image's digest) is created in the stack's Sentry project and a deploy of it recorded in the
 * stack's environment, so an error names what ran where. Source maps were uploaded by the
 * build, by debug ID. Recording never fails a deploy: the deploy happened either way.
 */
import { SentryCli } from "@sentry/cli";

/** What a stack exports for it (index.ts `sentry`). */
export interface SentryTarget {
  org: string;
  project: string;
  url?: string;
  environment: string;
  release: string;
}

/** Creates the release (a no-op when it exists: a promotion deploys dev's release again) and records the deploy. Returns what happened, in one line. */
export async function recordRelease(target: SentryTarget, opts: { token?: string; stack: string; appUrl?: string }): Promise<string> {
  if (!opts.token) return "Sentry: no SENTRY_AUTH_TOKEN in this environment, no release recorded";
  const cli = new SentryCli(null, { authToken: opts.token, org: target.org, project: target.project, url: target.url, silent: true });
  try {
    await cli.releases.new(target.release, { projects: [target.project] });
    await cli.releases.newDeploy(target.release, { env: target.environment, name: opts.stack, ...(opts.appUrl ? { url: opts.appUrl } : {}) });
    return `Sentry: release ${target.release} deployed to ${target.environment} (${target.org}/${target.project})`;
  } catch (e) {
    return `::warning::Sentry: the release was not recorded (${(e as Error).message.split("\n")[0]}); the deploy itself succeeded`;
  }
}
