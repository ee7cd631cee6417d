// CoreDNS with only the plugins the engine tier's Corefile uses (bind, kubernetes): the
// cluster DNS of the node, built without the cloud SDKs the full plugin set pulls in.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/kubernetes"
)

func init() {
	// The order plugins run in; only these two are compiled in.
	dnsserver.Directives = []string{"bind", "kubernetes"}
}

func main() { coremain.Run() }
