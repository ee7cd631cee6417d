//go:build tools

// Anchors the commands this module builds: the control plane (kube-apiserver,
// kube-controller-manager, kube-scheduler) and the node (kubelet, kube-proxy). The
// Kubernetes provider (./provider) is built here too, on the same k8s.io versions
// (v0.34.2; the provider's own module asks for v0.33.3), so what they share compiles once.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
