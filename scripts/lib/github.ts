/** The one GitHub API call the sweep needs: the state of a pull request. */

/** `owner/name` from `GITHUB_REPOSITORY`, checked. */
export function repositoryFrom(env: NodeJS.ProcessEnv): { owner: string; repo: string } {
  const m = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(env.GITHUB_REPOSITORY ?? "");
  if (!m) throw new Error(`GITHUB_REPOSITORY must be owner/name; got ${JSON.stringify(env.GITHUB_REPOSITORY ?? "")}`);
  return { owner: m[1], repo: m[2] };
}

/** Open or closed, per the GitHub REST API. */
export async function pullRequestState(
  pr: number,
  repo: { owner: string; repo: string },
  token: string,
  fetchImpl: typeof fetch = fetch,
  apiUrl = "https://api.github.com",
): Promise<"open" | "closed"> {
  const res = await fetchImpl(`${apiUrl}/repos/${repo.owner}/${repo.repo}/pulls/${pr}`, {
    headers: { authorization: `Bearer ${token}`, accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28" },
  });
  if (res.status === 404) return "closed"; // a deleted pull request has nothing left to preview
  if (!res.ok) throw new Error(`GitHub answered ${res.status} for pull request #${pr}: ${await res.text()}`);
  const body = (await res.json()) as { state?: string };
  return body.state === "open" ? "open" : "closed";
}
