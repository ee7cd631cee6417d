//go:build tools

// Anchors kine: an etcd API over SQLite, the storage of the test cluster.
package tools

import _ "github.com/k3s-io/kine"
