package screens

import (
	"context"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/ui/common"
)

// deleting stands for a broker that can delete destinations.
type deleting struct{ capable }

func (deleting) DeleteDestination(context.Context, string, backends.DeleteOptions) error { return nil }

func TestDeleteOfferedOutsideReadOnlyWithTheNameTyped(t *testing.T) {
	c := common.New(config.Context{Name: "test"})
	topic := dest{Name: "orders", Kind: backends.Topic}
	connectTo(c, capable{}, false)
	if deleteActions(c, topic) != nil {
		t.Fatal("delete offered on a broker that cannot delete")
	}
	connectTo(c, deleting{}, false)
	if a := deleteActions(c, topic); len(a) != 1 || a[0].Binding.Help().Desc != "delete" {
		t.Fatalf("a topic on a deleter: %v", a)
	}
	for _, d := range []dest{{Name: "amq.direct", Kind: backends.Exchange}, {Name: "__consumer_offsets", Kind: backends.Topic, Internal: true}} {
		if deleteActions(c, d) != nil {
			t.Errorf("delete offered on %s", d.Name)
		}
	}
	connectTo(c, deleting{}, true)
	if deleteActions(c, topic) != nil {
		t.Fatal("read-only offers delete")
	}

	d := deleteConfirm(c, topic)
	d.SetSize(100, 20)
	screen := ansi.Strip(d.View())
	for _, want := range []string{"delete orders?", "deletes topic orders and every message in it", "type orders and enter to delete topic orders"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("delete dialog lacks %q:\n%s", want, screen)
		}
	}
}
