/**
 * The schema a pull request's preview ends with, against the branch it was made from:
 * Neon's compare-schema API, after the preview's migrations ran, as a bounded section of
 * the pull request's comment. It reads schema only (never a row), with the previews' own
 * key, from the previews' own project.
 */
import { Neon, request } from "../../components/neon/client";

/** What to compare: the stack's `schemaDiff` output. */
export interface SchemaDiffTarget {
  projectId: string;
  branchId: string;
  /** The branch the preview was made from (its parent, or a schema-only branch's source). */
  baseBranchId?: string;
  database: string;
}

/** The comment's limit is 65,536 characters; the diff gets a share of it, the rest is the URL and the plan. */
export const SCHEMA_DIFF_MAX_CHARS = 20_000;

/** Neon's unified diff of the two schemas ("" when they are the same). */
export async function fetchSchemaDiff(neon: Neon, t: SchemaDiffTarget): Promise<string> {
  if (!t.baseBranchId) throw new Error(`branch ${t.branchId} has no branch it was made from to compare with`);
  const res = await request(
    neon,
    `comparing the schema of ${t.branchId} with ${t.baseBranchId}`,
    () => neon.api.getProjectBranchSchemaComparison({ projectId: t.projectId, branchId: t.branchId, base_branch_id: t.baseBranchId, db_name: t.database }),
    "read",
  );
  return res.diff ?? "";
}

/** Markdown for the comment: the diff in a fenced block, cut on a line boundary to `max` characters. */
export function schemaDiffMarkdown(diff: string, t: Pick<SchemaDiffTarget, "database" | "baseBranchId">, max = SCHEMA_DIFF_MAX_CHARS): string {
  const trimmed = diff.trim();
  if (trimmed === "") return `**Schema** of \`${t.database}\`: no change against \`${t.baseBranchId ?? "?"}\`.`;
  const lines = trimmed.split("\n");
  const kept: string[] = [];
  let size = 0;
  for (const line of lines) {
    if (size + line.length + 1 > max) break;
    kept.push(line);
    size += line.length + 1;
  }
  const cut = lines.length - kept.length;
  // A fence longer than any run of backticks in the diff, so the diff cannot close it.
  const longest = Math.max(0, ...(trimmed.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  const changed = lines.filter((l) => /^[+-](?![+-]{2} )/.test(l)).length;
  return [
    `<details><summary><b>Schema</b> of <code>${t.database}</code>: ${changed} line${changed === 1 ? "" : "s"} changed against <code>${t.baseBranchId ?? "?"}</code></summary>`,
    "",
    `${fence}diff`,
    ...kept,
    fence,
    ...(cut > 0
      ? [
          "",
          `… ${cut} more line${cut === 1 ? "" : "s"} not shown (the comment is bounded); the whole diff: Neon console → Branches → the preview's branch → Schema diff.`,
        ]
      : []),
    "</details>",
  ].join("\n");
}

/** The section for the comment; a diff Neon could not give is said, never fatal to the preview. */
export async function schemaDiffSection(connect: () => Neon, t: SchemaDiffTarget, max = SCHEMA_DIFF_MAX_CHARS): Promise<string> {
  try {
    return schemaDiffMarkdown(await fetchSchemaDiff(connect(), t), t, max);
  } catch (e) {
    const message = (e as Error).message.split("\n")[0].slice(0, 300);
    return `**Schema** of \`${t.database}\`: no diff (${message}).`;
  }
}
