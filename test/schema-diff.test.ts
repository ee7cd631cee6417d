/**
 * The pull request's schema diff: Neon's compare-schema API through the fake, bounded and
 * fenced for a comment; and the plan's branch cap picked out of a failed deploy.
 */
import { strict as assert } from "assert";
import { FakeNeon } from "./neon/fake-neon";
import { BranchProvider, NEON_PROVIDER_VERSION, RetryPolicy } from "../components/neon";
import { connectFromConfig, Neon } from "../components/neon/client";
import { fetchSchemaDiff, schemaDiffMarkdown, schemaDiffSection } from "../scripts/lib/schema-diff";
import { planCapProblem } from "../scripts/preview-stack";

const FAST: RetryPolicy = { attempts: 3, busyBudgetMs: 2_000, baseDelayMs: 1, maxDelayMs: 5, pollIntervalMs: 1, operationTimeoutMs: 5_000 };

describe("the pull request's schema diff", () => {
  let fake: FakeNeon;
  let neon: Neon;
  let url: string;

  beforeEach(async () => {
    fake = new FakeNeon();
    url = await fake.start();
    neon = connectFromConfig(undefined, { NEON_API_KEY: fake.apiKey, NEON_API_URL: url }, FAST);
  });
  afterEach(async () => {
    await fake.stop();
    assert.deepEqual(fake.violations, [], "requests and responses follow the Neon OpenAPI spec");
  });

  async function preview(initSource?: "schema-only"): Promise<{ projectId: string; branchId: string; baseBranchId: string }> {
    const { projectId, branchId: main } = fake.seedProject();
    fake.write(main, "neondb", { schema: ["CREATE TABLE users (id int)"], rows: 5 });
    const p = new BranchProvider();
    p.retry = FAST;
    await p.configure({ config: { get: (k: string) => ({ neonApiKey: fake.apiKey, neonApiUrl: url })[k] } });
    const b = await p.create({ projectId, name: "preview/pr-7", protected: false, initSource, providerVersion: NEON_PROVIDER_VERSION });
    return { projectId, branchId: b.id, baseBranchId: b.outs!.sourceBranchId! };
  }

  for (const init of [undefined, "schema-only"] as const) {
    it(`shows what the preview's migrations changed against the branch it was made from (${init ?? "copy"})`, async () => {
      const t = { ...(await preview(init)), database: "neondb" };
      assert.equal(await fetchSchemaDiff(neon, t), "", "nothing migrated yet: no difference");
      assert.match(schemaDiffMarkdown("", t), /no change against `br-/);
      fake.write(t.branchId, "neondb", { schema: ["CREATE TABLE orders (id int)"] });
      const section = await schemaDiffSection(() => neon, t);
      assert.match(section, /^<details><summary><b>Schema<\/b> of <code>neondb<\/code>: 1 line changed against <code>br-/);
      assert.ok(section.includes("```diff\n--- a/neondb\n+++ b/neondb\n+CREATE TABLE orders (id int)\n```"), section);
    });
  }

  it("stays within its bound, cut on a line, says how much is left out, and cannot be closed by the diff's own backticks", () => {
    const lines = Array.from({ length: 2_000 }, (_, i) => `+CREATE INDEX idx_${i} ON t (c${i});`);
    const md = schemaDiffMarkdown(lines.join("\n"), { database: "app", baseBranchId: "br-a" }, 5_000);
    assert.ok(md.length < 5_400, `bounded: ${md.length}`);
    const shown = md.split("\n").filter((l) => l.startsWith("+CREATE INDEX"));
    assert.ok(
      shown.every((l) => lines.includes(l)),
      "only whole lines",
    );
    assert.match(md, new RegExp(`… ${2_000 - shown.length} more lines not shown`));
    const fenced = schemaDiffMarkdown("+COMMENT ON TABLE t IS '```'", { database: "app", baseBranchId: "br-a" });
    assert.ok(fenced.includes("````diff\n+COMMENT ON TABLE t IS '```'\n````"), fenced);
  });

  it("says why there is no diff instead of failing the preview", async () => {
    const t = { ...(await preview()), database: "missing" };
    assert.match(await schemaDiffSection(() => neon, t), /^\*\*Schema\*\* of `missing`: no diff \(.*404/);
    assert.match(
      await schemaDiffSection(() => {
        throw new Error("no Neon API key");
      }, t),
      /no diff \(no Neon API key\)/,
    );
    assert.match(await schemaDiffSection(() => neon, { ...t, baseBranchId: undefined }), /no branch it was made from/);
  });

  it("picks the plan's cap out of a failed deploy, so the comment says what to do", async () => {
    fake.plan = "free";
    const { projectId } = fake.seedProject();
    const p = new BranchProvider();
    p.retry = FAST;
    await p.configure({ config: { get: (k: string) => ({ neonApiKey: fake.apiKey, neonApiUrl: url })[k] } });
    for (let pr = 1; pr <= 9; pr++) await p.create({ projectId, name: `preview/pr-${pr}`, protected: false, providerVersion: NEON_PROVIDER_VERSION });
    const failure = await p
      .create({ projectId, name: "preview/pr-10", protected: false, branchLimit: { plan: "free", max: 10 }, providerVersion: NEON_PROVIDER_VERSION })
      .catch((e: Error) => e);
    const engineSays = `error: update failed\n  pulumi-nodejs:dynamic/neon:Branch (db-branch):\n    error: ${(failure as Error).message}\n`;
    assert.match(planCapProblem(engineSays) ?? "", /^Neon project \S+ has 10 branches, the free plan's limit of 10 .*run the sweep/);
    assert.equal(planCapProblem("error: the image build failed"), undefined);
  });
});
