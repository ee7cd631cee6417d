// Lighthouse CI against the standalone server, on the port the Dockerfile declares
// (the caller passes it as PORT; see ci.yml). LHCI_URL audits a server already running.
const port = process.env.PORT;
if (!port) throw new Error("PORT is not set: read it from the Dockerfile's ENV PORT");
const url = process.env.LHCI_URL ?? `http://127.0.0.1:${port}/`;

module.exports = {
  ci: {
    collect: {
      url: [url],
      numberOfRuns: 1,
      ...(process.env.LHCI_URL ? {} : { startServerCommand: "node .next/standalone/server.js", startServerReadyPattern: "Ready" }),
      chromePath: process.env.CHROME_PATH,
      settings: {
        preset: "desktop",
        chromeFlags:
          "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking --disable-component-update --disable-sync --no-first-run",
      },
    },
    assert: {
      assertions: {
        "categories:performance": ["error", { minScore: 0.9 }],
        "categories:accessibility": ["error", { minScore: 0.9 }],
        "categories:best-practices": ["error", { minScore: 0.9 }],
      },
    },
    upload: { target: "filesystem", outputDir: ".lighthouseci" },
  },
};
