/**
 * A stand-in for Sentry's API on loopback, speaking what sentry-cli speaks: chunked artifact
 * bundle uploads (options, assemble, chunks, assemble again), releases and deploys. It
 * refuses what Sentry refuses: a wrong token (401), another organization (404), a project it
 * does not know, a chunk whose name is not its SHA-1, a bundle whose checksum does not match
 * its chunks, a release name Sentry would not store, a deploy of a release that does not
 * exist. What it accepted is kept for the tests: each bundle's files and their debug IDs.
 */
import * as crypto from "crypto";
import * as http from "http";
import { AddressInfo } from "net";
import * as zlib from "zlib";

/** One file of an uploaded artifact bundle. */
export interface BundleFile {
  path: string;
  type: string;
  debugId?: string;
}

export interface FakeSentry {
  url: string;
  /** Every request, as `METHOD path`, in order. */
  requests: string[];
  bundles: { projects: string[]; release?: string; files: BundleFile[] }[];
  releases: { version: string; projects: string[] }[];
  deploys: { version: string; environment: string; name?: string; url?: string }[];
  close(): Promise<void>;
}

/** Sentry's rules for a release name: not empty, `.` or `..`, no slash, newline or tab, at most 200 characters. */
export const validRelease = (v: string) => v.length > 0 && v.length <= 200 && v !== "." && v !== ".." && !/[\n\t/\\]/.test(v);
/** And an environment's: at most 64 characters, no slash or whitespace. */
export const validEnvironment = (e: string) => e.length > 0 && e.length <= 64 && !/[/\s]/.test(e);

export function startFakeSentry(opts: { token: string; org: string; projects: string[] }): Promise<FakeSentry> {
  const chunks = new Map<string, Buffer>();
  const state: Omit<FakeSentry, "url" | "close"> = { requests: [], bundles: [], releases: [], deploys: [] };
  const api = `/api/0/organizations/${opts.org}`;

  const server = http.createServer((req, res) => {
    const body: Buffer[] = [];
    req.on("data", (c: Buffer) => body.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      state.requests.push(`${req.method} ${url.pathname}`);
      const reply = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      if (req.headers.authorization !== `Bearer ${opts.token}`) return reply(401, { detail: "Invalid token" });
      if (!url.pathname.startsWith(`${api}/`)) return reply(404, { detail: "The requested resource does not exist" });
      const route = url.pathname.slice(api.length);
      const raw = Buffer.concat(body);
      try {
        if (route === "/chunk-upload/" && req.method === "GET") {
          return reply(200, {
            url: `${address()}${api}/chunk-upload/`,
            chunkSize: 8 * 1024 * 1024,
            chunksPerRequest: 64,
            maxFileSize: 2 ** 31,
            maxRequestSize: 32 * 1024 * 1024,
            concurrency: 1,
            hashAlgorithm: "sha1",
            compression: ["gzip"],
            accept: ["artifact_bundles", "sources"],
          });
        }
        if (route === "/chunk-upload/" && req.method === "POST") {
          for (const part of multipart(raw, String(req.headers["content-type"]))) {
            const data = part.name === "file_gzip" ? zlib.gunzipSync(part.data) : part.data;
            const digest = crypto.createHash("sha1").update(data).digest("hex");
            if (digest !== part.filename) return reply(400, { error: `chunk ${part.filename} has checksum ${digest}` });
            chunks.set(digest, data);
          }
          return reply(200, {});
        }
        if (route === "/artifactbundle/assemble/" && req.method === "POST") {
          const r = JSON.parse(raw.toString()) as { checksum: string; chunks: string[]; projects?: string[]; version?: string };
          const unknown = (r.projects ?? []).filter((p) => !opts.projects.includes(p));
          if (!r.projects?.length || unknown.length) return reply(400, { error: `unknown projects: ${unknown.join(", ") || "none given"}` });
          const missing = r.chunks.filter((c) => !chunks.has(c));
          if (missing.length) return reply(200, { state: "not_found", missingChunks: missing });
          const bundle = Buffer.concat(r.chunks.map((c) => chunks.get(c)!));
          if (crypto.createHash("sha1").update(bundle).digest("hex") !== r.checksum)
            return reply(200, { state: "error", missingChunks: [], detail: "checksum mismatch" });
          const manifest = JSON.parse(unzip(bundle).get("manifest.json")?.toString() ?? "{}") as {
            files?: Record<string, { url: string; type: string; headers?: Record<string, string> }>;
          };
          const files = Object.values(manifest.files ?? {}).map((f) => ({ path: f.url, type: f.type, debugId: f.headers?.["debug-id"] }));
          if (!state.bundles.some((b) => b.files.length === files.length && b.files.every((f, i) => f.path === files[i].path)))
            state.bundles.push({ projects: r.projects, release: r.version, files });
          return reply(200, { state: "ok", missingChunks: [] });
        }
        if (route === "/releases/" && req.method === "POST") {
          const r = JSON.parse(raw.toString()) as { version: string; projects: string[] };
          if (!validRelease(r.version))
            return reply(400, { version: ["Release names cannot contain slashes, newlines or tabs, and are at most 200 characters"] });
          if (!r.projects?.length || r.projects.some((p) => !opts.projects.includes(p))) return reply(400, { projects: ["Invalid project ids or slugs"] });
          // Sentry answers a release that exists with 208 and the release, unchanged.
          const existing = state.releases.find((x) => x.version === r.version);
          if (!existing) state.releases.push({ version: r.version, projects: r.projects });
          return reply(existing ? 208 : 201, {
            version: r.version,
            dateCreated: new Date().toISOString(),
            projects: r.projects.map((slug) => ({ slug, name: slug })),
          });
        }
        const deploy = /^\/releases\/([^/]+)\/deploys\/$/.exec(route);
        if (deploy && req.method === "POST") {
          const version = decodeURIComponent(deploy[1]);
          if (!state.releases.some((x) => x.version === version)) return reply(404, { detail: "Release not found" });
          const d = JSON.parse(raw.toString()) as { environment: string; name?: string; url?: string };
          if (!validEnvironment(d.environment ?? "")) return reply(400, { environment: ["Invalid environment name"] });
          state.deploys.push({ version, environment: d.environment, name: d.name ?? undefined, url: d.url ?? undefined });
          return reply(201, {
            id: String(state.deploys.length),
            environment: d.environment,
            name: d.name ?? null,
            url: d.url ?? null,
            dateStarted: null,
            dateFinished: new Date().toISOString(),
          });
        }
        return reply(404, { detail: "The requested resource does not exist" });
      } catch (e) {
        return reply(400, { detail: (e as Error).message });
      }
    });
  });
  const address = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve(Object.assign(state, { url: `${address()}/`, close: () => new Promise<void>((r) => server.close(() => r())) })),
    ),
  );
}

/** The parts of a multipart/form-data body. */
function multipart(body: Buffer, contentType: string): { name: string; filename?: string; data: Buffer }[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) throw new Error("not multipart");
  const sep = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts: { name: string; filename?: string; data: Buffer }[] = [];
  let at = body.indexOf(sep);
  while (at >= 0) {
    const next = body.indexOf(sep, at + sep.length);
    if (next < 0) break;
    const part = body.subarray(at + sep.length + 2, next - 2);
    const split = part.indexOf("\r\n\r\n");
    const head = part.subarray(0, split).toString();
    const name = /name="([^"]*)"/.exec(head)?.[1] ?? "";
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    parts.push({ name, filename, data: part.subarray(split + 4) });
    at = next;
  }
  return parts;
}

/** The entries of a zip archive (stored or deflated), by name: enough to read an artifact bundle. */
export function unzip(zip: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error("not a zip archive");
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < zip.readUInt16LE(end + 10); i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString();
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    out.set(name, method === 8 ? zlib.inflateRawSync(data) : data);
    at += 46 + nameLength + extra + comment;
  }
  return out;
}
