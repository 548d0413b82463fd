package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// A mistake in a topology file names the file, line and column as the config file's mistakes do
// (PATH:2:11: …), so that the user knows which file and an editor can jump there; it said
// "topology file: [2:11] …".
func TestTopologyFileErrorNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "topo.yaml")
	if err := os.WriteFile(path, []byte("topics:\n  - nmae: orders\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := execute(t, refuse, "diff", "-f", path, "--kafka", "k:9092")
	want := "mqscope: " + path + ":2:5: unknown field \"nmae\" (see mqscope diff --help)\n"
	if r.code != ExitUsage || r.stderr != want || len(r.opened) != 0 {
		t.Errorf("exit %d, stderr %q, opened %d\nwant exit %d, stderr %q", r.code, r.stderr, len(r.opened), ExitUsage, want)
	}
}
