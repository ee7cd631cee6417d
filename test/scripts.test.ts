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
import { decide, DEFAULT_SWEEP, StackInfo } from "../scripts/lib/stale";
import { collectDrift, formatDrift, ignoreDrift, maskValue, valueAt } from "../scripts/lib/drift";
import { GithubClient, PullRequestState, repositoryFrom } from "../scripts/lib/github";
import { boundMarkdown } from "../scripts/lib/markdown";
import { sweep, SweepDeps } from "../scripts/sweep";
import { checkStack, describeOutcome, EXIT, worst } from "../scripts/drift";
import { formatPlan, planFingerprint } from "../scripts/plan";
import { deployStack } from "../scripts/deploy";
import { withRunConfig } from "../scripts/lib/run-config";
import { parseImageRef } from "../scripts/lib/stacks";
import { ConcurrentUpdateError, Stack } from "@pulumi/pulumi/automation";
import * as automationErrors from "@pulumi/pulumi/automation/errors";

/** The SDK's own mapping of a CLI failure to its typed error (internal, so untyped). */
const createCommandError = (
  automationErrors as unknown as { createCommandError: (r: { stdout: string; stderr: string; code: number; err: undefined }) => Error }
).createCommandError;
import { addSummary, setOutput } from "../scripts/lib/actions";
import { ROOT } from "./mocks";

const SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "hunter2" };

function pre(
  op: string,
  type: string,
  name: string,
  diff: Record<string, unknown>,
  old: Record<string, unknown>,
  now: Record<string, unknown>,
  side: "inputs" | "outputs",
): EngineEvent {
  const urn = `urn:pulumi:dev::nextjs-infra::${type}::${name}`;
  const state = (values: Record<string, unknown>) => ({
    type,
    urn,
    id: name,
    parent: "",
    provider: "",
    inputs: side === "inputs" ? values : {},
    outputs: side === "outputs" ? values : {},
  });
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

describe("scripts: sweep decisions", () => {
  const now = new Date("2026-11-26T12:00:00Z");
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000).toISOString();
  const inHours = (h: number) => new Date(now.getTime() + h * 3_600_000).toISOString();

  it("destroys closed, stale and about-to-expire previews; skips, cancels or keeps the rest; never touches other stacks", () => {
    const stacks: StackInfo[] = [
      { name: "pr-1", lastUpdate: hoursAgo(1), databaseExpiresAt: inHours(160) },
      { name: "pr-2", lastUpdate: hoursAgo(1) },
      { name: "pr-3", lastUpdate: hoursAgo(200) },
      { name: "pr-4" },
      { name: "pr-5", lastUpdate: hoursAgo(150), databaseExpiresAt: inHours(20) },
      { name: "pr-6", lastUpdate: hoursAgo(1), updateInProgress: true },
      { name: "pr-7", lastUpdate: hoursAgo(9), updateInProgress: true },
      { name: "pr-8", lastUpdate: hoursAgo(300) },
      { name: "prod", lastUpdate: hoursAgo(1000) },
      { name: "dev" },
    ];
    const states = new Map<number, PullRequestState>([
      [1, "open"],
      [2, "closed"],
      [3, "open"],
      [4, "open"],
      [5, "open"],
      [6, "closed"],
      [7, "open"],
      [8, "unknown"],
    ]);
    assert.deepEqual(
      decide(stacks, states, DEFAULT_SWEEP, now).map((d) => [d.name, d.action, d.reason]),
      [
        ["pr-1", "keep", "open and in use"],
        ["pr-2", "destroy", "pull request #2 is closed"],
        ["pr-3", "destroy", "last updated 200h ago (limit 168h)"],
        ["pr-4", "destroy", "never updated"],
        ["pr-5", "destroy", "its database expires in 20h, before the next sweep"],
        ["pr-6", "skip", "an update is in progress"],
        ["pr-7", "cancel", "an update has held the lock for 9h (a cancelled run's leftover)"],
        ["pr-8", "keep", "GitHub does not know pull request #8; kept (a 404 is not a close)"],
      ],
    );
  });
});

describe("scripts: the sweep's loop", () => {
  const now = new Date("2026-11-26T12:00:00Z");
  function world(stacks: StackInfo[], states: Record<number, PullRequestState>, opts: { failDestroy?: string[]; noAccess?: boolean } = {}) {
    const done: string[] = [];
    const log: string[] = [];
    const deps: SweepDeps = {
      listStacks: () => Promise.resolve(stacks),
      github: {
        checkAccess: () =>
          opts.noAccess
            ? Promise.reject(new Error("GitHub answered 404 for acme/wbe: check GITHUB_TOKEN and GITHUB_REPOSITORY (nothing was destroyed)"))
            : Promise.resolve(),
        pullRequestState: (pr: number) => Promise.resolve(states[pr] ?? "unknown"),
        upsertPreviewComment: (pr: number, body: string) => Promise.resolve(void done.push(`comment #${pr}: ${body}`)),
      },
      destroy: (name) => (opts.failDestroy?.includes(name) ? Promise.reject(new Error("engine says no")) : Promise.resolve(void done.push(`destroy ${name}`))),
      cancel: (name) => Promise.resolve(void done.push(`cancel ${name}`)),
      log: (l) => log.push(l),
      now: () => now,
    };
    return { deps, done, log };
  }
  const old = new Date(now.getTime() - 500 * 3_600_000).toISOString();

  it("changes nothing in a dry run, and says what it would do", async () => {
    const w = world([{ name: "pr-1", lastUpdate: old }], { 1: "closed" });
    assert.equal(await sweep(w.deps, DEFAULT_SWEEP, true), 0);
    assert.deepEqual(w.done, []);
    assert.match(w.log.join("\n"), /would destroy pr-1: pull request #1 is closed/);
  });

  it("carries on past a failed destroy, marks the comments of what it destroyed, and reports the failures", async () => {
    const w = world(
      [
        { name: "pr-1", lastUpdate: old },
        { name: "pr-2", lastUpdate: old },
        { name: "pr-3", lastUpdate: old },
      ],
      { 1: "closed", 2: "closed", 3: "closed" },
      { failDestroy: ["pr-2"] },
    );
    assert.equal(await sweep(w.deps, DEFAULT_SWEEP, false), 1);
    assert.deepEqual(
      w.done.filter((d) => d.startsWith("destroy")),
      ["destroy pr-1", "destroy pr-3"],
    );
    assert.match(
      w.done.find((d) => d.startsWith("comment #3"))!,
      /destroyed by the nightly sweep: pull request #3 is closed/,
    );
    assert.match(w.log.join("\n"), /failed to destroy pr-2: engine says no/);
  });

  it("leaves a stack mid-update alone, and cancels a lock a cancelled run left hours ago", async () => {
    const recent = new Date(now.getTime() - 3_600_000).toISOString();
    const w = world(
      [
        { name: "pr-1", lastUpdate: recent, updateInProgress: true },
        { name: "pr-2", lastUpdate: old, updateInProgress: true },
      ],
      { 1: "closed", 2: "closed" },
    );
    assert.equal(await sweep(w.deps, DEFAULT_SWEEP, false), 0);
    assert.deepEqual(w.done, ["cancel pr-2"]);
  });

  it("stops before destroying anything when the repository does not answer (a wrong token or name)", async () => {
    const w = world([{ name: "pr-1", lastUpdate: old }], { 1: "closed" }, { noAccess: true });
    await assert.rejects(sweep(w.deps, DEFAULT_SWEEP, false), /nothing was destroyed/);
    assert.deepEqual(w.done, []);
  });
});

describe("scripts: drift report", () => {
  it("turns a refresh preview into per-resource changes, old → new", () => {
    const events = [
      pre(
        "update",
        "kubernetes:apps/v1:Deployment",
        "web-deployment",
        { "spec.replicas": { diffKind: "update", inputDiff: false } },
        { spec: { replicas: 1 } },
        { spec: { replicas: 5 } },
        "outputs",
      ),
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
    const found = pre(
      "update",
      "kubernetes:apps/v1:Deployment",
      "web-deployment",
      { "spec.replicas": { diffKind: "update", inputDiff: false } },
      { spec: { replicas: 1 } },
      { spec: { replicas: 3 } },
      "outputs",
    );
    const outputsEvent = { sequence: 2, timestamp: 0, resOutputsEvent: found.resourcePreEvent } as unknown as EngineEvent;
    assert.deepEqual(collectDrift([step, outputsEvent], "refresh")[0].changes, [{ path: "spec.replicas", old: "1", new: "3" }]);
    const clean = { sequence: 3, timestamp: 0, resOutputsEvent: step.resourcePreEvent } as unknown as EngineEvent;
    assert.deepEqual(collectDrift([found, clean], "refresh"), [], "a later event that finds nothing clears it");
  });

  it("masks secrets, both as the engine marks them and as it prints them", () => {
    const events = [
      pre(
        "update",
        "kubernetes:core/v1:Secret",
        "web-database",
        { "stringData.DATABASE_URL": { diffKind: "update", inputDiff: true } },
        { stringData: SECRET },
        { stringData: "[secret]" },
        "inputs",
      ),
    ];
    const [d] = collectDrift(events, "preview");
    assert.deepEqual(d.changes, [{ path: "stringData.DATABASE_URL", old: "[secret]", new: "[secret]" }]);
    assert.equal(maskValue({ a: SECRET }), '{"a":"[secret]"}');
    assert.equal(valueAt({ a: [{ b: 3 }] }, "a[0].b"), 3);
    const text = formatDrift("dev", [d], "text") + formatDrift("dev", [d], "markdown");
    assert.ok(!text.includes("hunter2"));
  });

  it("formats text for the log and markdown for an issue", () => {
    const events = [
      pre(
        "update",
        "kubernetes:apps/v1:Deployment",
        "web-deployment",
        { "spec.replicas": { diffKind: "update", inputDiff: false } },
        { spec: { replicas: 1 } },
        { spec: { replicas: 5 } },
        "outputs",
      ),
    ];
    const drift = collectDrift(events, "refresh");
    assert.equal(
      formatDrift("dev", drift, "text"),
      "dev: 1 resource(s) drifted\n  update kubernetes:apps/v1:Deployment web-deployment (changed outside Pulumi)\n      spec.replicas: 1 -> 5",
    );
    const md = formatDrift("dev", drift, "markdown");
    assert.match(md, /^## Drift in `dev`/);
    assert.match(md, /\| `spec\.replicas` \| `1` \| `5` \|/);
    assert.equal(formatDrift("prod", [], "text"), "prod: no drift");
  });
});

describe("scripts: drift outcomes", () => {
  const deployment = (kind: string) =>
    pre(
      "update",
      kind,
      "web-deployment",
      { "spec.replicas": { diffKind: "update", inputDiff: false }, "metadata.labels.x": { diffKind: "update", inputDiff: false } },
      { spec: { replicas: 1 } },
      { spec: { replicas: 5 } },
      "outputs",
    );
  /** A stack whose refresh and preview emit these events or throw. */
  const fakeStack = (opts: { refresh?: EngineEvent[]; preview?: EngineEvent[]; throws?: Error; ignore?: unknown }) =>
    ({
      getAllConfig: () => Promise.resolve(opts.ignore ? { "nextjs-infra:drift": { value: JSON.stringify({ ignore: opts.ignore }) } } : {}),
      refresh: (o: { onEvent: (e: EngineEvent) => void }) =>
        opts.throws ? Promise.reject(opts.throws) : Promise.resolve(void (opts.refresh ?? []).forEach(o.onEvent)),
      preview: (o: { onEvent: (e: EngineEvent) => void }) => Promise.resolve(void (opts.preview ?? []).forEach(o.onEvent)),
    }) as unknown as Stack;

  it("tells drift, no drift, an error and a locked stack apart, by the engine's typed errors", async () => {
    assert.deepEqual(await checkStack(fakeStack({})), { kind: "none" });
    const drift = await checkStack(fakeStack({ refresh: [deployment("kubernetes:apps/v1:Deployment")] }));
    assert.equal(drift.kind, "drift");
    // The errors the Automation API makes of the CLI's own messages, for both kinds of backend.
    const fromCli = (stderr: string) => createCommandError({ stdout: "", stderr, code: 255, err: undefined });
    for (const stderr of ["error: [409] Conflict: Another update is currently in progress.", "error: the stack is currently locked by 1 lock(s)"]) {
      assert.ok(fromCli(stderr) instanceof ConcurrentUpdateError);
      assert.equal((await checkStack(fakeStack({ throws: fromCli(stderr) }))).kind, "skipped", stderr);
    }
    assert.equal((await checkStack(fakeStack({ throws: fromCli("error: preview failed") }))).kind, "error");
    const failed = await checkStack(fakeStack({ throws: new Error("error: preview failed: something changed\nline 2") }));
    assert.deepEqual(failed, { kind: "error", message: "error: preview failed: something changed\nline 2" });
    assert.deepEqual([EXIT.none, EXIT.drift, EXIT.error, EXIT.skipped], [0, 1, 2, 3]);
    assert.equal(worst([{ kind: "none" }, { kind: "skipped", message: "" }]), "skipped");
    assert.equal(worst([{ kind: "drift", drifts: [] }, { kind: "error", message: "" }, { kind: "none" }]), "error");
    assert.match(describeOutcome("prod", failed, "markdown"), /^## Drift check of `prod` failed\n\nThis is an error of the check, not drift\./);
  });

  it("leaves out what the stack's ignore list says a server or an autoscaler owns", async () => {
    const ignored = await checkStack(
      fakeStack({
        refresh: [deployment("kubernetes:apps/v1:Deployment")],
        ignore: [
          { type: "kubernetes:apps/v1:Deployment", path: "spec.replicas" },
          { type: "*", path: "metadata.labels" },
        ],
      }),
    );
    assert.deepEqual(ignored, { kind: "none" });
    const partly = await checkStack(
      fakeStack({ refresh: [deployment("kubernetes:apps/v1:Deployment")], ignore: [{ type: "kubernetes:apps/v1:Deployment", path: "spec" }] }),
    );
    assert.ok(partly.kind === "drift");
    assert.deepEqual(
      partly.drifts[0].changes.map((c) => c.path),
      ["metadata.labels.x"],
    );
    const d = collectDrift([deployment("kubernetes:apps/v1:Deployment")], "refresh");
    assert.deepEqual(ignoreDrift(d, [{ type: "kubernetes:apps/v1:Deployment", name: "other" }]).length, 1, "a name narrows the rule");
    assert.deepEqual(ignoreDrift(d, [{ type: "kubernetes:apps/v1:Deployment", name: "web-deployment" }]), [], "no path: the whole resource");
    const bad = await checkStack(fakeStack({ ignore: [{ type: "no-colons" }] }));
    assert.equal(bad.kind, "error");
  });
});

describe("scripts: plan and promotion", () => {
  it("summarises a plan per resource, bounded", () => {
    const events = [
      pre(
        "update",
        "kubernetes:apps/v1:Deployment",
        "web-deployment",
        { "spec.template.spec.containers[0].image": { diffKind: "update", inputDiff: true } },
        {},
        {},
        "inputs",
      ),
      pre("create", "kubernetes:networking.k8s.io/v1:NetworkPolicy", "web-deny", {}, {}, {}, "inputs"),
    ];
    const plan = formatPlan("dev", collectDrift(events, "preview"));
    assert.match(plan, /^\*\*Plan of `dev`\*\*: 1 to update, 1 to create\./);
    assert.match(plan, /\| update \| kubernetes:apps\/v1:Deployment `web-deployment` \| `spec\.template\.spec\.containers\[0\]\.image` \|/);
    assert.equal(formatPlan("dev", []), "**Plan of `dev`**: no changes.");
    const many = Array.from({ length: 100 }, (_, i) => pre("create", "kubernetes:core/v1:ConfigMap", `c${i}`, {}, {}, {}, "inputs"));
    const big = formatPlan("dev", collectDrift(many, "preview"));
    assert.match(big, /… and 60 more \(see the run log\)\./);
  });

  it("fingerprints a plan by what changes and to what, not by who runs it", () => {
    const change = (image: string, providerToken = "t1") => [
      pre(
        "update",
        "kubernetes:apps/v1:Deployment",
        "web",
        { "spec.image": { diffKind: "update", inputDiff: true } },
        { spec: { image: "a" } },
        { spec: { image } },
        "inputs",
      ),
      pre(
        "update",
        "pulumi:providers:doppler",
        "default",
        { token: { diffKind: "update", inputDiff: true } },
        { token: "x" },
        { token: providerToken },
        "inputs",
      ),
    ];
    const fp = (events: EngineEvent[], images = {}) => planFingerprint(collectDrift(events, "preview"), images);
    assert.match(fp(change("b")), /^[a-f0-9]{32}$/);
    assert.equal(fp(change("b")), fp(change("b", "t2")), "the provider's own credentials differ between the plan job and the deploy job");
    assert.notEqual(fp(change("b")), fp(change("c")), "a different new value is a different plan");
    assert.notEqual(
      fp(change("b")),
      fp([change("b")[0]].concat(pre("create", "kubernetes:batch/v1:Job", "m", {}, {}, {}, "inputs"))),
      "one more resource is a different plan",
    );
    assert.notEqual(fp(change("b"), { imageRef: "x@sha256:1" }), fp(change("b"), { imageRef: "x@sha256:2" }));
  });

  it("applies the approved plan or nothing, and waits for another update to finish", async () => {
    const events = (image: string) => [
      pre("update", "kubernetes:apps/v1:Deployment", "web", { "spec.image": { diffKind: "update", inputDiff: true } }, {}, { spec: { image } }, "inputs"),
    ];
    const approved = planFingerprint(collectDrift(events("b"), "preview"), { imageRef: "r" });
    const fake = (plans: string[], locks = 0) => {
      const calls: string[] = [];
      let held = locks;
      const stack = {
        preview: (o: { onEvent: (e: EngineEvent) => void }) => {
          calls.push("preview");
          events(plans.shift() ?? "b").forEach(o.onEvent);
          return Promise.resolve({});
        },
        up: () => {
          calls.push("up");
          if (held-- > 0)
            return Promise.reject(
              createCommandError({ stdout: "", stderr: "error: [409] Conflict: Another update is currently in progress.", code: 255, err: undefined }),
            );
          return Promise.resolve({});
        },
      } as unknown as Stack;
      return { stack, calls };
    };
    const quiet = { print: () => undefined, sleep: () => Promise.resolve() };
    const same = fake(["b"]);
    await deployStack(same.stack, { ...quiet, imageRef: "r", expectPlan: approved });
    assert.deepEqual(same.calls, ["preview", "up"]);
    const changed = fake(["c"]);
    await assert.rejects(
      deployStack(changed.stack, { ...quiet, imageRef: "r", expectPlan: approved }),
      /the plan changed since it was shown for approval \(approved [a-f0-9]{32}, now [a-f0-9]{32}\): nothing was deployed/,
    );
    assert.deepEqual(changed.calls, ["preview"], "nothing is applied");
    const locked = fake(["b", "b", "b"], 2);
    await deployStack(locked.stack, { ...quiet, imageRef: "r", expectPlan: approved, waitLockMs: 60_000 });
    assert.deepEqual(locked.calls, ["preview", "up", "preview", "up", "preview", "up"], "each retry checks the plan again");
    const impatient = fake(["b"], 1);
    await assert.rejects(deployStack(impatient.stack, { ...quiet, expectPlan: undefined, waitLockMs: 0 }), ConcurrentUpdateError);
  });

  it("sets a run's config and leaves the committed stack file as it was", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runcfg-"));
    const file = path.join(dir, "Pulumi.prod.yaml");
    fs.writeFileSync(file, "config:\n  a: b\n");
    const stack = {
      name: "acme/nextjs-infra/prod",
      setConfig: (k: string, v: { value: string }) => Promise.resolve(fs.appendFileSync(file, `  ${k}: ${v.value}\n`)),
    };
    const seen = await withRunConfig(stack, dir, { "nextjs-infra:image.ref": "x@sha256:1", "nextjs-infra:image.migratorRef": undefined }, () =>
      Promise.resolve(fs.readFileSync(file, "utf8")),
    );
    assert.match(seen, /image\.ref: x@sha256:1/, "the run sees its value");
    assert.equal(fs.readFileSync(file, "utf8"), "config:\n  a: b\n", "the file is back as committed");
    await assert.rejects(
      withRunConfig(stack, dir, { k: "v" }, () => Promise.reject(new Error("boom"))),
      /boom/,
    );
    assert.equal(fs.readFileSync(file, "utf8"), "config:\n  a: b\n", "even when the run fails");
    fs.rmSync(dir, { recursive: true });
  });

  it("promotes digests only", () => {
    const ref = `ghcr.io/acme/web@sha256:${"a".repeat(64)}`;
    assert.equal(parseImageRef(ref), ref);
    assert.equal(parseImageRef(""), undefined);
    assert.throws(() => parseImageRef("ghcr.io/acme/web:1.2"), /a digest, never a tag/);
  });
});

describe("scripts: the preview jobs' Kubernetes credential", () => {
  it("prints the job's own OIDC token as an ExecCredential that expires with it", async () => {
    const { execCredential, jobToken, DEFAULT_AUDIENCE } = await import("../scripts/kube-token");
    const exp = 1_800_000_000;
    const jwt = `h.${Buffer.from(JSON.stringify({ exp })).toString("base64url")}.s`;
    assert.deepEqual(execCredential(jwt), {
      apiVersion: "client.authentication.k8s.io/v1",
      kind: "ExecCredential",
      status: { token: jwt, expirationTimestamp: new Date(exp * 1000).toISOString() },
    });
    const seen: { url?: string; auth?: string } = {};
    const http = await import("http");
    const server = http.createServer((req, res) => {
      seen.url = req.url;
      seen.auth = req.headers.authorization;
      res.writeHead(seen.auth === "Bearer runner-secret" ? 200 : 401, { "content-type": "application/json" });
      res.end(JSON.stringify({ value: jwt }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    const env = { ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/token?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "runner-secret" };
    assert.equal(await jobToken(env, DEFAULT_AUDIENCE), jwt);
    assert.equal(seen.url, "/token?api-version=2.0&audience=nextjs-infra-preview", "asks for the cluster's audience");
    await assert.rejects(jobToken({ ...env, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "wrong" }, DEFAULT_AUDIENCE), /refused an OIDC token: HTTP 401/);
    await assert.rejects(jobToken({}, DEFAULT_AUDIENCE), /needs `permissions: id-token: write`/);
    server.close();
  });
});

describe("scripts: GitHub and Actions plumbing", () => {
  it("reads pull request states: a 404 is unknown, never closed", async () => {
    const seen: string[] = [];
    const fake = (status: number, body: unknown) =>
      ((url: string | URL | Request) => {
        seen.push(url instanceof Request ? url.url : url.toString());
        return Promise.resolve(new Response(JSON.stringify(body), { status }));
      }) as typeof fetch;
    const repo = repositoryFrom({ GITHUB_REPOSITORY: "acme/web" });
    const client = (status: number, body: unknown) => new GithubClient("t", repo, fake(status, body));
    assert.equal(await client(200, { state: "open" }).pullRequestState(7), "open");
    assert.equal(await client(200, { state: "closed" }).pullRequestState(7), "closed");
    assert.equal(await client(404, {}).pullRequestState(7), "unknown");
    await assert.rejects(client(500, { message: "boom" }).pullRequestState(7), /GitHub answered 500/);
    await assert.rejects(client(404, {}).checkAccess(), /check GITHUB_TOKEN and GITHUB_REPOSITORY \(nothing was destroyed\)/);
    await client(200, {}).checkAccess();
    assert.equal(seen[0], "https://api.github.com/repos/acme/web/pulls/7");
    assert.throws(() => repositoryFrom({ GITHUB_REPOSITORY: "acme" }), /owner\/name/);
  });

  it("updates the one preview comment in place, or creates it", async () => {
    const calls: [string, string, string?][] = [];
    const fake = (existing: { id: number; body: string }[]) =>
      ((url: string, init: RequestInit) => {
        calls.push([init.method ?? "GET", url.replace("https://api.github.com/repos/acme/web", ""), init.body as string | undefined]);
        return Promise.resolve(new Response(JSON.stringify(init.method === "GET" ? existing : {}), { status: 200 }));
      }) as unknown as typeof fetch;
    await new GithubClient("t", { owner: "acme", repo: "web" }, fake([{ id: 9, body: "<!-- nextjs-infra-preview -->\nold" }])).upsertPreviewComment(4, "gone");
    assert.deepEqual(
      calls.map((c) => c.slice(0, 2)),
      [
        ["GET", "/issues/4/comments?per_page=100"],
        ["PATCH", "/issues/comments/9"],
      ],
    );
    assert.deepEqual(JSON.parse(calls[1][2]!), { body: "<!-- nextjs-infra-preview -->\ngone" });
    calls.length = 0;
    await new GithubClient("t", { owner: "acme", repo: "web" }, fake([])).upsertPreviewComment(4, "gone");
    assert.deepEqual(
      calls.map((c) => c.slice(0, 2)),
      [
        ["GET", "/issues/4/comments?per_page=100"],
        ["POST", "/issues/4/comments"],
      ],
    );
  });

  it("keeps markdown under GitHub's size limit, pointing at the run log", () => {
    const long = Array.from({ length: 5000 }, (_, i) => `| row ${i} | ${"x".repeat(40)} |`).join("\n");
    const bounded = boundMarkdown(long, "https://run/7");
    assert.ok(bounded.length <= 60_000, String(bounded.length));
    assert.match(bounded, /full report is in the \[run log\]\(https:\/\/run\/7\)\.$/);
    assert.ok(long.startsWith(bounded.slice(0, bounded.indexOf("\n\n…"))), "cut at a line boundary");
    assert.equal(boundMarkdown("short"), "short");
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
    return spawnSync(fs.existsSync(node) ? node : process.execPath, ["-r", path.join(ROOT, "scripts", "register.js"), path.join("scripts", script), ...args], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, GITHUB_OUTPUT: "", GITHUB_STEP_SUMMARY: "", ...env },
    });
  }

  it("print help and exit 0", () => {
    for (const s of ["preview-stack.ts", "drift.ts", "sweep.ts", "deploy.ts", "plan.ts"]) {
      const r = cli(s, ["--help"]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^usage: /);
    }
  });

  it("exit 2 with the reason on bad input, before touching any stack", () => {
    const cases: [string, string[], RegExp][] = [
      ["preview-stack.ts", ["deploy", "--pr", "1"], /first argument is up, destroy or cancel; got "deploy"/],
      ["deploy.ts", [], /--stack is required/],
      [
        "deploy.ts",
        ["--stack", "prod", "--image-ref", "ghcr.io/acme/web:latest"],
        /--image-ref wants <repository>@sha256:<64 hex digits> \(a digest, never a tag\)/,
      ],
      ["plan.ts", [], /--stack is required/],
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

describe("scripts: npm run local, the newcomer's entry point", () => {
  /** A machine with these commands, whose runs answer from `answers` (command line → status, stdout). */
  function machine(commands: string[], answers: Record<string, [number, string]> = {}) {
    const runs: string[] = [];
    return {
      runs,
      has: (c: string) => commands.includes(c),
      run: (c: string, args: string[]) => {
        const line = [c, ...args].join(" ");
        runs.push(line);
        const [status, stdout] = answers[line] ?? [0, ""];
        return { status, stdout };
      },
    };
  }

  it("names the missing prerequisite and how to get it, before touching anything", async () => {
    const { clusterContext, MissingPrerequisite } = await import("../scripts/local");
    assert.throws(
      () => clusterContext(machine([])),
      (e) => e instanceof MissingPrerequisite && /the Pulumi CLI is not installed: curl/.test(e.message),
    );
    assert.throws(() => clusterContext(machine(["pulumi"])), /no cluster to deploy to: install kind .* or pass --context/);
    assert.throws(() => clusterContext(machine(["pulumi", "kind"])), /kind needs Docker/);
    assert.throws(
      () => clusterContext(machine(["pulumi", "kubectl"], { "kubectl config get-contexts nope": [1, ""] }), "nope"),
      /the kubeconfig has no context "nope"/,
    );
  });

  it("uses the context it is given, else kind's, creating kind's cluster and its registry only when missing", async () => {
    const { clusterContext } = await import("../scripts/local");
    assert.equal(clusterContext(machine(["pulumi", "kubectl"]), "docker-desktop"), "docker-desktop");
    const fresh = machine(["pulumi", "kind", "docker"], { "kind get clusters": [0, ""], "docker inspect kind-registry": [1, ""] });
    assert.equal(clusterContext(fresh), "kind-kind");
    assert.deepEqual(
      fresh.runs.filter((r) => /^(kind create|docker run|docker network)/.test(r)).map((r) => r.split(" ").slice(0, 3).join(" ")),
      ["docker run -d", "kind create cluster", "docker network connect"],
    );
    const existing = machine(["pulumi", "kind", "docker"], { "kind get clusters": [0, "kind\n"] });
    assert.equal(clusterContext(existing), "kind-kind");
    assert.ok(!existing.runs.some((r) => r.startsWith("kind create")), "an existing cluster is reused");
  });

  it("keeps its state and passphrase inside the project, made once", async () => {
    const { localBackend } = await import("../scripts/local");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-"));
    const first = localBackend(dir);
    assert.equal(first.url, `file://${path.join(dir, ".pulumi-local", "state")}`);
    assert.equal(localBackend(dir).passphrase, first.passphrase, "the same passphrase next time");
    assert.equal(fs.statSync(path.join(dir, ".pulumi-local", "passphrase")).mode & 0o777, 0o600);
    assert.match(fs.readFileSync(path.join(ROOT, ".gitignore"), "utf8"), /^\.pulumi-local\/?$/m, "and git ignores it");
    fs.rmSync(dir, { recursive: true });
  });

  it("prints the URL, a port-forward to the stack's own Service, and the way out", async () => {
    const { summary } = await import("../scripts/local");
    const lines = summary({ url: "http://shop.localhost", namespace: "shop-local", service: "shop" }, "kind-kind");
    assert.deepEqual(lines, [
      "The app runs at http://shop.localhost",
      "No ingress controller in the cluster? kubectl --context kind-kind -n shop-local port-forward service/shop 8080:80, then http://localhost:8080",
      "Tear it down with: npm run local -- --destroy",
    ]);
  });
});
