/**
 * The delivery scripts' logic, without the Pulumi CLI: stack naming, stale selection,
 * engine events → drift report, GitHub calls, Actions outputs, and the CLIs' exit codes.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { parsePullRequest, parseStackName, previewStackName, pullRequestOf } from "../scripts/lib/stacks";
import { selectStale } from "../scripts/lib/stale";
import { collectDrift, formatDrift, maskValue, valueAt } from "../scripts/lib/drift";
import { pullRequestState, repositoryFrom } from "../scripts/lib/github";
import { addSummary, setOutput } from "../scripts/lib/actions";
import { ROOT } from "./mocks";

const SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "hunter2" };

function pre(op: string, type: string, name: string, diff: Record<string, unknown>, old: Record<string, unknown>, now: Record<string, unknown>, side: "inputs" | "outputs"): EngineEvent {
  const urn = `urn:pulumi:dev::nextjs-infra::${type}::${name}`;
  const state = (values: Record<string, unknown>) => ({ type, urn, id: name, parent: "", provider: "", inputs: side === "inputs" ? values : {}, outputs: side === "outputs" ? values : {} });
  return {
    sequence: 1,
    timestamp: 0,
    resourcePreEvent: { metadata: { op, urn, type, provider: "", old: state(old), new: state(now), detailedDiff: diff } },
  } as unknown as EngineEvent;
}

describe("scripts: stack names", () => {
  it("maps pull requests to stacks and back", () => {
    assert.equal(previewStackName(42), "pr-42");
    assert.equal(pullRequestOf("pr-42"), 42);
    assert.equal(pullRequestOf("acme/nextjs-infra/pr-7"), 7);
    assert.equal(pullRequestOf("prod"), undefined);
    assert.equal(pullRequestOf("pr-042"), undefined);
    assert.throws(() => previewStackName(0), /positive integer/);
  });

  it("parses --pr and --stack with clear errors", () => {
    assert.equal(parsePullRequest("42"), 42);
    assert.throws(() => parsePullRequest("4x"), /--pr wants a pull request number such as 42; got "4x"/);
    assert.throws(() => parsePullRequest(undefined), /got nothing/);
    assert.equal(parseStackName("acme/nextjs-infra/prod"), "acme/nextjs-infra/prod");
    assert.throws(() => parseStackName("prod; rm -rf /"), /--stack wants a stack name/);
  });
});

describe("scripts: sweep selection", () => {
  const now = new Date("2026-11-26T12:00:00Z");
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000).toISOString();

  it("selects closed pull requests and stale previews, never other stacks", () => {
    const stacks = [
      { name: "pr-1", lastUpdate: hoursAgo(1) },
      { name: "pr-2", lastUpdate: hoursAgo(1) },
      { name: "pr-3", lastUpdate: hoursAgo(200) },
      { name: "pr-4" },
      { name: "prod", lastUpdate: hoursAgo(1000) },
      { name: "dev" },
    ];
    const states = new Map<number, "open" | "closed">([[1, "open"], [2, "closed"], [3, "open"], [4, "open"]]);
    assert.deepEqual(selectStale(stacks, states, 168, now), [
      { name: "pr-2", pullRequest: 2, reason: "pull request #2 is closed" },
      { name: "pr-3", pullRequest: 3, reason: "last updated 200h ago (limit 168h)" },
      { name: "pr-4", pullRequest: 4, reason: "never updated" },
    ]);
  });
});

describe("scripts: drift report", () => {
  it("turns a refresh preview into per-resource changes, old → new", () => {
    const events = [
      pre("update", "kubernetes:apps/v1:Deployment", "web-deployment", { "spec.replicas": { diffKind: "update", inputDiff: false } }, { spec: { replicas: 1 } }, { spec: { replicas: 5 } }, "outputs"),
      pre("same", "kubernetes:core/v1:Service", "web-service", {}, {}, {}, "outputs"),
      pre("refresh", "kubernetes:core/v1:ConfigMap", "web-config", {}, {}, {}, "outputs"),
      pre("update", "pulumi:pulumi:Stack", "nextjs-infra-dev", { x: { diffKind: "update", inputDiff: false } }, {}, {}, "outputs"),
      pre("delete", "pulumi-nodejs:dynamic/neon:Branch", "web-db-branch", {}, {}, {}, "outputs"),
    ];
    const drift = collectDrift(events, "refresh");
    assert.deepEqual(
      drift.map((d) => [d.op, d.type, d.name, d.changes]),
      [
        ["update", "kubernetes:apps/v1:Deployment", "web-deployment", [{ path: "spec.replicas", old: "1", new: "5" }]],
        ["delete", "pulumi-nodejs:dynamic/neon:Branch", "web-db-branch", []],
      ],
    );
  });

  it("reads a refresh's findings from the outputs event that follows its step", () => {
    const step = pre("refresh", "kubernetes:apps/v1:Deployment", "web-deployment", {}, { spec: { replicas: 1 } }, { spec: { replicas: 1 } }, "outputs");
    const found = pre("update", "kubernetes:apps/v1:Deployment", "web-deployment", { "spec.replicas": { diffKind: "update", inputDiff: false } }, { spec: { replicas: 1 } }, { spec: { replicas: 3 } }, "outputs");
    const outputsEvent = { sequence: 2, timestamp: 0, resOutputsEvent: found.resourcePreEvent } as unknown as EngineEvent;
    assert.deepEqual(collectDrift([step, outputsEvent], "refresh")[0].changes, [{ path: "spec.replicas", old: "1", new: "3" }]);
    const clean = { sequence: 3, timestamp: 0, resOutputsEvent: step.resourcePreEvent } as unknown as EngineEvent;
    assert.deepEqual(collectDrift([found, clean], "refresh"), [], "a later event that finds nothing clears it");
  });

  it("masks secrets, both as the engine marks them and as it prints them", () => {
    const events = [pre("update", "kubernetes:core/v1:Secret", "web-database", { "stringData.DATABASE_URL": { diffKind: "update", inputDiff: true } }, { stringData: SECRET }, { stringData: "[secret]" }, "inputs")];
    const [d] = collectDrift(events, "preview");
    assert.deepEqual(d.changes, [{ path: "stringData.DATABASE_URL", old: "[secret]", new: "[secret]" }]);
    assert.equal(maskValue({ a: SECRET }), '{"a":"[secret]"}');
    assert.equal(valueAt({ a: [{ b: 3 }] }, "a[0].b"), 3);
    const text = formatDrift("dev", [d], "text") + formatDrift("dev", [d], "markdown");
    assert.ok(!text.includes("hunter2"));
  });

  it("formats text for the log and markdown for an issue", () => {
    const events = [pre("update", "kubernetes:apps/v1:Deployment", "web-deployment", { "spec.replicas": { diffKind: "update", inputDiff: false } }, { spec: { replicas: 1 } }, { spec: { replicas: 5 } }, "outputs")];
    const drift = collectDrift(events, "refresh");
    assert.equal(formatDrift("dev", drift, "text"), "dev: 1 resource(s) drifted\n  update kubernetes:apps/v1:Deployment web-deployment (changed outside Pulumi)\n      spec.replicas: 1 -> 5");
    const md = formatDrift("dev", drift, "markdown");
    assert.match(md, /^## Drift in `dev`/);
    assert.match(md, /\| `spec\.replicas` \| `1` \| `5` \|/);
    assert.equal(formatDrift("prod", [], "text"), "prod: no drift");
  });
});

describe("scripts: GitHub and Actions plumbing", () => {
  it("reads pull request states, treating a deleted one as closed", async () => {
    const seen: string[] = [];
    const fake = (status: number, body: unknown) =>
      ((url: string | URL | Request) => {
        seen.push(url instanceof Request ? url.url : url.toString());
        return Promise.resolve(new Response(JSON.stringify(body), { status }));
      }) as typeof fetch;
    const repo = repositoryFrom({ GITHUB_REPOSITORY: "acme/web" });
    assert.equal(await pullRequestState(7, repo, "t", fake(200, { state: "open" })), "open");
    assert.equal(await pullRequestState(7, repo, "t", fake(200, { state: "closed" })), "closed");
    assert.equal(await pullRequestState(7, repo, "t", fake(404, {})), "closed");
    await assert.rejects(pullRequestState(7, repo, "t", fake(500, { message: "boom" })), /GitHub answered 500/);
    assert.equal(seen[0], "https://api.github.com/repos/acme/web/pulls/7");
    assert.throws(() => repositoryFrom({ GITHUB_REPOSITORY: "acme" }), /owner\/name/);
  });

  it("writes outputs and the job summary when running in Actions", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gha-"));
    const env = { GITHUB_OUTPUT: path.join(dir, "out"), GITHUB_STEP_SUMMARY: path.join(dir, "summary") };
    setOutput("url", "https://pr-1.preview.example.com", env);
    setOutput("report", "a\nb", env);
    addSummary("### hi", env);
    assert.equal(fs.readFileSync(env.GITHUB_OUTPUT, "utf8"), "url=https://pr-1.preview.example.com\nreport<<__EOF__\na\nb\n__EOF__\n");
    assert.equal(fs.readFileSync(env.GITHUB_STEP_SUMMARY, "utf8"), "### hi\n");
    setOutput("ignored", "x", {});
  });
});

describe("scripts: command lines", () => {
  function cli(script: string, args: string[], env: Record<string, string> = {}) {
    const node = path.join(ROOT, "node_modules", ".bin", "node");
    return spawnSync(fs.existsSync(node) ? node : process.execPath, ["-r", "ts-node/register/transpile-only", path.join("scripts", script), ...args], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, GITHUB_OUTPUT: "", GITHUB_STEP_SUMMARY: "", ...env },
    });
  }

  it("print help and exit 0", () => {
    for (const s of ["preview-stack.ts", "drift.ts", "sweep.ts"]) {
      const r = cli(s, ["--help"]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^usage: /);
    }
  });

  it("exit 2 with the reason on bad input, before touching any stack", () => {
    const cases: [string, string[], RegExp][] = [
      ["preview-stack.ts", ["deploy", "--pr", "1"], /first argument is up or destroy; got "deploy"/],
      ["preview-stack.ts", ["up", "--pr", "x"], /--pr wants a pull request number/],
      ["preview-stack.ts", ["up", "--bogus"], /Unknown option '--bogus'/],
      ["drift.ts", [], /--stack is required/],
      ["sweep.ts", ["--max-age", "soon"], /--max-age wants a positive number of hours; got "soon"/],
      ["sweep.ts", ["--max-age", "24"], /GITHUB_TOKEN is required/],
    ];
    for (const [script, args, says] of cases) {
      const r = cli(script, args, { GITHUB_TOKEN: "" });
      assert.equal(r.status, 2, `${script} ${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, says);
    }
  });
});
