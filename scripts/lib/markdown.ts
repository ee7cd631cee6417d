/** Keeping markdown that goes into an issue or comment under GitHub's size limit. */

/** GitHub refuses issue and comment bodies over 65,536 characters; leave room for what callers add. */
export const GITHUB_BODY_LIMIT = 60_000;

/**
 * The markdown as is when it fits, else cut at a line boundary with a note that points
 * to the run log, where the full report is printed.
 */
export function boundMarkdown(markdown: string, runUrl?: string, limit = GITHUB_BODY_LIMIT): string {
  if (markdown.length <= limit) return markdown;
  const note = `\n\n… cut to stay under GitHub's size limit: the full report is in the ${runUrl ? `[run log](${runUrl})` : "run log"}.`;
  const cut = markdown.lastIndexOf("\n", limit - note.length);
  return markdown.slice(0, cut > 0 ? cut : limit - note.length) + note;
}
