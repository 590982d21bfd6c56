// Command pmdev is the PenguinMails developer console: API keys, usage, docs
// and webhooks in the terminal. With no API configured it runs against a
// sandbox server started in-process. The commands live in internal/cli.
package main

//go:generate go run ./tools/docsgen

import (
	"os"

	// The collector holds off while the program starts (see the package).
	_ "github.com/penguinmails/pmdev/internal/startgc"

	"github.com/penguinmails/pmdev/internal/cli"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(cli.Execute(version, os.Args[1:], os.Stdout, os.Stderr))
}
