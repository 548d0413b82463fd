package screens

import (
	"context"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/mqscope/mqscope/backends/kafka"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/demo"
	"github.com/mqscope/mqscope/internal/testkit/demofix"
	"github.com/mqscope/mqscope/ui/common"
)

// A member that joined after the listing: the dialog let the delete through, the broker refuses it
// (NON_EMPTY_GROUP), and the flash says in plain words that the group has members and what to do.
func TestGroupDeleteRefusedByTheBrokerIsPhrased(t *testing.T) {
	cluster := demofix.Start(t)
	b, err := kafka.Open(context.Background(), kafka.Config{Brokers: cluster.Bootstrap()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c := common.New(config.Context{Name: "demo"})
	connectTo(c, b, false)
	d := groupDeleteConfirm(c, group{Name: demo.Billing}, 0) // listed with no members: a stale listing
	for _, r := range demo.Billing {
		d.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	task, ok := d.Update(tea.KeyPressMsg{Code: tea.KeyEnter})().(common.TaskMsg)
	if !ok {
		t.Fatal("enter on the typed name started no work")
	}
	var flash string
	for _, cmd := range task.Run(context.Background(), b)()().(tea.BatchMsg) {
		if f, ok := cmd().(common.FlashMsg); ok {
			flash = f.Text
		}
	}
	for _, want := range []string{"refused, it has members now", "NON_EMPTY_GROUP", "stop its consumers"} {
		if !strings.Contains(flash, want) {
			t.Errorf("flash %q lacks %q", flash, want)
		}
	}
}
