//go:build tools

// Anchors the Pulumi CLI of the pkg module: the engine the engine tier runs.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
