//go:build tools

// Anchors the commands this module builds: kube-apiserver and kube-controller-manager.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
