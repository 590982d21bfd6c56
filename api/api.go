// Package api holds the API contract (openapi.yaml) and the reference pages
// (docs/), compiled into the binary for the server's docs routes, the
// console's Docs tab and `pmdev docs`, all offline.
package api

import (
	"embed"
	"io/fs"
)

//go:embed openapi.yaml docs
var files embed.FS

// FS is the api/ directory: openapi.yaml and docs/.
func FS() fs.FS { return files }
