package e2e

import (
	"fmt"
	"os"
	"testing"
)

// TestMain builds the binary once per test run.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pmdev-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if _, err := BuildBinary(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
