package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/actions"
)

// SQS's counts are its estimates: the purge table marks them ~, before and after; exact counts stay bare.
func TestPurgeTableMarksApproximateCounts(t *testing.T) {
	removed := int64(1200)
	for _, c := range []struct {
		plan actions.PurgePlan
		want string
	}{
		{actions.PurgePlan{Queue: "orders", Ready: 1200, Approximate: true}, "orders ~1,200 0 ~1,200"},
		{actions.PurgePlan{Queue: "orders", Ready: 1200}, "orders 1,200 0 1,200"},
	} {
		var out bytes.Buffer
		if err := render(&out, outputTable, []purgeRow{{c.plan, &removed}}, columnsOf(purgeColumns), purgeJSON); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(strings.Fields(strings.Split(out.String(), "\n")[1]), " "); got != c.want {
			t.Errorf("approximate %v: %q, want %q", c.plan.Approximate, got, c.want)
		}
	}
}
