//go:build tools

// Anchors the distribution registry: the engine tier's image registry on loopback.
package tools

import _ "github.com/distribution/distribution/v3/cmd/registry"
