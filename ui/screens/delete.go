package screens

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/confirm"
	"github.com/mqscope/mqscope/ui/components/list"
)

// deleteActions offers ctrl+d on a topic or queue the broker can delete, never in a read-only context.
func deleteActions(c *common.Common, d dest) []list.Action {
	if (d.Kind != backends.Topic && d.Kind != backends.Queue && d.Kind != backends.Stream) || d.Internal ||
		!c.Allows(actions.VerbDelete) {
		return nil
	}
	return []list.Action{{Binding: c.Keys.Delete, Run: func() tea.Cmd { return common.Push(deleteConfirm(c, d)) }}}
}

// deleteConfirm asks for the destination's name, typed, before it goes with everything it holds.
func deleteConfirm(c *common.Common, d dest) *confirm.Model {
	s := c.Styles
	name := sanitize.Line(d.Name)
	what := string(d.Kind) + " " + name
	scope := []string{s.Text.Render("deletes " + what + " and every message in it, for good"),
		s.Muted.Render("consumers reading it fail; nothing else is touched")}
	m := confirm.New(c, "delete "+name, scope, "delete "+what, func() tea.Cmd {
		session := c.Session()
		return tea.Batch(common.Pop(), common.Run(0, func(ctx context.Context, _ backends.Backend) (struct{}, error) {
			return struct{}{}, session.DeleteDestination(ctx, d.Name, backends.DeleteOptions{})
		}, func(_ struct{}, err error) tea.Cmd {
			if err != nil {
				return flashFailure("delete "+what, err)
			}
			return common.Flash(common.FlashInfo, "deleted "+what)
		}))
	})
	m.TypeToConfirm(name)
	return m
}
