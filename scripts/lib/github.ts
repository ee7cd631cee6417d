/**
 * The GitHub REST calls the delivery scripts make: whether the repository is reachable
 * with this token, a pull request's state, and the one preview comment per pull request.
 * A 404 on a pull request is *unknown*, never *closed*: a wrong token or repository also
 * answers 404, and treating that as closed would destroy every preview.
 */

/** The marker that identifies the preview comment (one per pull request, updated in place). */
export const PREVIEW_COMMENT_MARKER = "<!-- nextjs-infra-preview -->";

/** `owner/name` from `GITHUB_REPOSITORY`, checked. */
export function repositoryFrom(env: NodeJS.ProcessEnv): { owner: string; repo: string } {
  const m = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(env.GITHUB_REPOSITORY ?? "");
  if (!m) throw new Error(`GITHUB_REPOSITORY must be owner/name; got ${JSON.stringify(env.GITHUB_REPOSITORY ?? "")}`);
  return { owner: m[1], repo: m[2] };
}

/** What the sweep learns of a pull request. */
export type PullRequestState = "open" | "closed" | "unknown";

/** A small GitHub REST client for one repository. */
export class GithubClient {
  constructor(
    private readonly token: string,
    readonly repo: { owner: string; repo: string },
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly apiUrl = "https://api.github.com",
  ) {}

  private call(method: string, path: string, body?: unknown): Promise<Response> {
    return this.fetchImpl(`${this.apiUrl}/repos/${this.repo.owner}/${this.repo.repo}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        accept: "application/vnd.github+json",
        "x-github-api-version": "2022-11-28",
        "content-type": "application/json",
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** Throws unless the repository answers: a wrong token or name must stop a sweep, not empty it. */
  async checkAccess(): Promise<void> {
    const res = await this.call("GET", "");
    if (!res.ok) {
      throw new Error(
        `GitHub answered ${res.status} for ${this.repo.owner}/${this.repo.repo}: check GITHUB_TOKEN and GITHUB_REPOSITORY (nothing was destroyed)`,
      );
    }
  }

  /** Open or closed; unknown when GitHub does not know the pull request (404). */
  async pullRequestState(pr: number): Promise<PullRequestState> {
    const res = await this.call("GET", `/pulls/${pr}`);
    if (res.status === 404) return "unknown";
    if (!res.ok) throw new Error(`GitHub answered ${res.status} for pull request #${pr}: ${await res.text()}`);
    const body = (await res.json()) as { state?: string };
    return body.state === "open" ? "open" : "closed";
  }

  /** Replaces the body of the pull request's preview comment (creating it when there is none). */
  async upsertPreviewComment(pr: number, body: string): Promise<void> {
    const list = await this.call("GET", `/issues/${pr}/comments?per_page=100`);
    if (!list.ok) throw new Error(`GitHub answered ${list.status} listing comments of #${pr}`);
    const comments = (await list.json()) as { id: number; body?: string }[];
    const mine = comments.find((c) => c.body?.startsWith(PREVIEW_COMMENT_MARKER));
    const text = `${PREVIEW_COMMENT_MARKER}\n${body}`;
    const res = mine
      ? await this.call("PATCH", `/issues/comments/${mine.id}`, { body: text })
      : await this.call("POST", `/issues/${pr}/comments`, { body: text });
    if (!res.ok) throw new Error(`GitHub answered ${res.status} writing the preview comment of #${pr}`);
  }
}
