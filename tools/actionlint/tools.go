//go:build tools

// Anchors actionlint: the workflow linter `npm test` runs (the current release, which
// knows every context the workflows use, `vars` included).
package tools

import _ "github.com/rhysd/actionlint/cmd/actionlint"
