//go:build tools

// Anchors CoreDNS: the cluster DNS of the engine tier's node.
package tools

import _ "github.com/coredns/coredns"
