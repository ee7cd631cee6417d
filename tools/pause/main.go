// pause: the sandbox container every pod of the engine tier's node holds its namespaces
// with. It sleeps until it is told to stop; built here because no image can be pulled.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}
