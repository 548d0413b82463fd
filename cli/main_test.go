package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMain keeps the tests' log out of the user's state directory.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mqscope-cli-test")
	if err != nil {
		panic(err)
	}
	os.Setenv(EnvLogFile, filepath.Join(dir, "mqscope.log"))
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
