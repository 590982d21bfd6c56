// Package apidocstest gives tests the API docs compiled into the binary.
package apidocstest

import (
	"github.com/penguinmails/pmdev/api"
	"github.com/penguinmails/pmdev/internal/apidocs"
)

// Library is the docs library of api/, as the binary bundles it. It panics
// when the bundle does not load: no test of the docs can run without it.
func Library() *apidocs.Library {
	lib, err := apidocs.LoadEmbedded(api.FS())
	if err != nil {
		panic(err)
	}
	return lib
}
