//go:build tools

// The engine tier's NetworkPolicy engine: kube-router, in firewall-only mode.
package tools

import _ "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router"
