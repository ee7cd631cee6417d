/**
 * Drift: what the engine says changed, turned into a per-resource report. Two sources:
 * a refresh preview (the world moved away from state: someone edited a resource by hand)
 * and a preview (state and code disagree: a change that was never deployed).
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";

/** Operations that change nothing. */
const NO_CHANGE = new Set(["same", "read", "refresh", "read-replacement", "discard", "discard-replaced", "remove-pending-replace"]);
/** How the engine shows a secret when secrets are not revealed. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** One changed property: old → new, secrets already masked. */
export interface PropertyChange {
  path: string;
  old: string;
  new: string;
}

/** One drifted resource. */
export interface ResourceDrift {
  /** Where it was seen: `refresh` (changed outside Pulumi) or `preview` (code or config differs). */
  source: "refresh" | "preview";
  urn: string;
  type: string;
  name: string;
  op: string;
  changes: PropertyChange[];
}

/** Renders a value for the report; secrets (the engine's marker or its `[secret]`) become `[secret]`. */
export function maskValue(value: unknown): string {
  if (value === undefined) return "(none)";
  if (value === "[secret]" || (value && typeof value === "object" && SECRET_SIG in value)) return "[secret]";
  const text =
    typeof value === "string"
      ? value
      : (JSON.stringify(value, (_k, v: unknown) => (v && typeof v === "object" && SECRET_SIG in v ? "[secret]" : v)) ?? typeof value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Reads `a.b[0].c` out of an object. */
export function valueAt(obj: unknown, path: string): unknown {
  let node: unknown = obj;
  for (const part of path
    .replace(/\[(\d+)\]/g, ".$1")
    .split(".")
    .filter(Boolean)) {
    if (node === "[secret]") return node;
    if (node === null || typeof node !== "object") return undefined;
    if (SECRET_SIG in node) return node; // a secret subtree stays masked as a whole
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** The name part of a URN (`urn:pulumi:stack::project::type::name`). */
export function nameOfUrn(urn: string): string {
  return urn.split("::").pop() ?? urn;
}

/**
 * Drifted resources in a stream of engine events. `source` says which run produced
 * them: a refresh compares outputs (live vs state), a preview compares inputs. A refresh
 * reports what it found in the outputs event that follows each step, so both kinds of
 * event are read; the later one wins.
 */
export function collectDrift(events: readonly EngineEvent[], source: "refresh" | "preview"): ResourceDrift[] {
  const out = new Map<string, ResourceDrift>();
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata ?? e.resOutputsEvent?.metadata;
    if (!m || m.type === "pulumi:pulumi:Stack") continue;
    const keys = Object.keys(m.detailedDiff ?? {}).length ? Object.keys(m.detailedDiff ?? {}) : (m.diffs ?? []);
    const changed = !NO_CHANGE.has(m.op) || (m.op === "refresh" && keys.length > 0);
    if (!changed) {
      out.delete(m.urn); // a later event for the same resource found nothing
      continue;
    }
    const side = source === "refresh" ? "outputs" : "inputs";
    const changes = keys.map((path) => ({ path, old: maskValue(valueAt(m.old?.[side], path)), new: maskValue(valueAt(m.new?.[side], path)) }));
    out.set(m.urn, { source, urn: m.urn, type: m.type, name: nameOfUrn(m.urn), op: m.op, changes });
  }
  return [...out.values()];
}

/** One entry of a stack's `drift.ignore` setting: a resource type (or `*`), optionally a name and a property path. */
export interface DriftIgnore {
  type: string;
  name?: string;
  path?: string;
}

/**
 * Drift minus what the ignore list says is expected (fields a server or an autoscaler
 * owns). A path ignores that property and everything under it; a resource whose every
 * change is ignored is not reported.
 */
export function ignoreDrift(drifts: readonly ResourceDrift[], ignore: readonly DriftIgnore[]): ResourceDrift[] {
  const matches = (i: DriftIgnore, d: ResourceDrift) => (i.type === "*" || i.type === d.type) && (i.name === undefined || i.name === d.name);
  const out: ResourceDrift[] = [];
  for (const d of drifts) {
    const rules = ignore.filter((i) => matches(i, d));
    if (rules.some((r) => r.path === undefined)) continue;
    const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
    const changes = d.changes.filter((c) => !rules.some((r) => r.path !== undefined && under(c.path, r.path)));
    if (d.changes.length > 0 && changes.length === 0) continue;
    out.push({ ...d, changes });
  }
  return out;
}

/** A readable report for one stack; markdown for an issue body, plain text for the log. */
export function formatDrift(stack: string, drifts: readonly ResourceDrift[], format: "text" | "markdown"): string {
  if (drifts.length === 0) return format === "markdown" ? `No drift in \`${stack}\`.` : `${stack}: no drift`;
  const describe = (d: ResourceDrift) => (d.source === "refresh" ? "changed outside Pulumi" : "differs from the code and config");
  if (format === "text") {
    const lines = [`${stack}: ${drifts.length} resource(s) drifted`];
    for (const d of drifts) {
      lines.push(`  ${d.op} ${d.type} ${d.name} (${describe(d)})`);
      for (const c of d.changes) lines.push(`      ${c.path}: ${c.old} -> ${c.new}`);
    }
    return lines.join("\n");
  }
  const lines = [`## Drift in \`${stack}\``, "", `${drifts.length} resource(s) drifted. Secrets are shown as \`[secret]\`.`, ""];
  for (const d of drifts) {
    lines.push(`### \`${d.op}\` ${d.type} \`${d.name}\``, "", `${describe(d)[0].toUpperCase()}${describe(d).slice(1)}.`, "");
    if (d.changes.length) {
      lines.push("| property | before | after |", "|---|---|---|");
      for (const c of d.changes) lines.push(`| \`${c.path}\` | \`${c.old.replace(/\|/g, "\\|")}\` | \`${c.new.replace(/\|/g, "\\|")}\` |`);
      lines.push("");
    }
  }
  lines.push("Run `pulumi up` to put it back, or change the code to keep it.");
  return lines.join("\n");
}
