/**
 * The building blocks every stack shares: the one Kubernetes provider's flags, the
 * generated-secret provider that replaces the `random` plugin, and the transform helper.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { generatedSecretProvider, randomAlphanumeric } from "../components/generated-secret";
import { kubernetesProviderArgs } from "../components/kubernetes-provider";
import { deepMerge, transformed } from "../components/transform";
import { RecordingMocks, useMocks, valueOf } from "./mocks";

describe("the Kubernetes provider", () => {
  it("makes ConfigMaps and Secrets mutable and pins the context", () => {
    assert.deepEqual(kubernetesProviderArgs({ context: "kind-kind" }), { context: "kind-kind", enableConfigMapMutable: true, enableSecretMutable: true });
  });
});

describe("GeneratedSecret", () => {
  it("makes letters and digits of the asked length, different every time", () => {
    const a = randomAlphanumeric(48);
    assert.match(a, /^[A-Za-z0-9]{48}$/);
    assert.notEqual(randomAlphanumeric(48), a);
    const seen = new Set(Array.from({ length: 2000 }, () => randomAlphanumeric(1)));
    assert.equal(seen.size, 62, "every character of the alphabet turns up");
  });

  it("creates once, keeps the value on read, and replaces only on a new keeper or length", async () => {
    const p = generatedSecretProvider;
    const created = await p.create({ length: 32, rotation: "1" });
    const outs = created.outs!;
    assert.match(outs.value, /^[A-Za-z0-9]{32}$/);
    assert.deepEqual((await p.read!(created.id, outs)).props, outs);
    assert.deepEqual(await p.diff!(created.id, outs, { length: 32, rotation: "1" }), { changes: false, replaces: [] });
    assert.deepEqual(await p.diff!(created.id, outs, { length: 32, rotation: "2026-11" }), { changes: true, replaces: ["rotation"] });
    assert.deepEqual(await p.diff!(created.id, outs, { length: 40, rotation: "1" }), { changes: true, replaces: ["length"] });
    assert.deepEqual(
      (await p.check!({ length: 32, rotation: "1" }, { length: 8, rotation: "1" })).failures?.map((f) => f.property),
      ["length"],
    );
  });

  it("asks the engine to keep its value a secret output (encrypted in state)", async () => {
    const mocks: RecordingMocks = await useMocks("dev");
    const { GeneratedSecret } = await import("../components/generated-secret");
    const s = new GeneratedSecret("pw", { length: 24, rotation: "x" });
    await valueOf(s.value);
    await mocks.settle();
    assert.ok(mocks.one("pulumi-nodejs:dynamic/nextjs-infra:GeneratedSecret").options.additionalSecretOutputs.includes("value"));
  });
});

describe("transforms", () => {
  type Args = { metadata: { name: string; labels?: Record<string, string> }; spec: { ports: number[]; selector: Record<string, string> } };
  const base = (): Args => ({ metadata: { name: "web", labels: { a: "1" } }, spec: { ports: [80], selector: { app: "web" } } });

  it("leave a child alone without one, and hand a function the args, the options and the name", () => {
    const args = base();
    const opts = {};
    assert.deepEqual(transformed("web-service", args, opts, undefined), ["web-service", args, opts]);
    const seen: unknown[] = [];
    const [, edited, editedOpts] = transformed("web-service", base(), {}, (a, o, name) => {
      seen.push(name);
      a.spec.ports.push(443);
      o.ignoreChanges = ["metadata.annotations"];
    });
    assert.deepEqual([seen, edited.spec.ports, editedOpts.ignoreChanges], [["web-service"], [80, 443], ["metadata.annotations"]]);
    assert.deepEqual(transformed("x", base(), {}, () => ({ ...base(), spec: { ports: [8080], selector: {} } }))[1].spec.ports, [8080], "or returns new args");
  });

  it("merge an object key by key, replacing arrays and values, keeping what it does not name", () => {
    const [, merged] = transformed("web", base(), {}, { metadata: { labels: { b: "2" } }, spec: { ports: [8443] } });
    assert.deepEqual(merged, { metadata: { name: "web", labels: { a: "1", b: "2" } }, spec: { ports: [8443], selector: { app: "web" } } });
    const out = pulumi.output("ns");
    assert.equal(deepMerge({ namespace: "a" }, { namespace: out }).namespace, out, "an Output replaces, never merges");
  });
});
