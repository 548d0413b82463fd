package screens

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/confirm"
	"github.com/mqscope/mqscope/ui/components/list"
)

// groupActions offers X (delete) on a consumer group where the broker deletes groups, never read-only.
func groupActions(c *common.Common, g group) []list.Action {
	if !c.Allows(actions.VerbDeleteGroup) {
		return nil
	}
	return []list.Action{{Binding: c.Keys.Delete, RunFrom: func(from int) tea.Cmd {
		return common.Push(groupDeleteConfirm(c, g, from))
	}}}
}

// groupDeleteConfirm asks for the group's name, typed, before it goes with its committed offsets. A group
// the listing shows with members is refused here, saying so, since the broker refuses it too.
func groupDeleteConfirm(c *common.Common, g group, returnTo int) *confirm.Model {
	s := c.Styles
	name := sanitize.Line(g.Name)
	scope := []string{
		s.Text.Render(fmt.Sprintf("deletes group %s and the offsets it committed on %s", name, topicsText(g))),
		s.Muted.Render("its consumers start again where their offset reset policy says (earliest or latest)"),
	}
	m := confirm.New(c, "delete group "+name, scope, "delete group "+name, func() tea.Cmd {
		session := c.Session()
		return common.Run(0, func(ctx context.Context, _ backends.Backend) (struct{}, error) {
			return struct{}{}, session.DeleteGroup(ctx, g.Name)
		}, func(_ struct{}, err error) tea.Cmd {
			if err != nil {
				return tea.Batch(common.Pop(), common.Flash(common.FlashError, groupDeleteFailure(name, err)))
			}
			return tea.Batch(common.PopTo(returnTo), common.Flash(common.FlashInfo, "deleted group "+name))
		})
	})
	if g.Members > 0 {
		m.Refuse(membersRefusal(name, g.Members))
		return m
	}
	m.TypeToConfirm(name)
	return m
}

func membersRefusal(name string, members int) string {
	return fmt.Sprintf("group %s has %s member%s: a group is deleted only once nobody is in it. Stop its consumers, "+
		"wait for it to show Empty, then delete it.", name, present.Int(int64(members)), plural(int64(members)))
}

// groupDeleteFailure says why a delete failed: a member that joined since the listing in the words of
// the refusal above, anything else as the broker said it.
func groupDeleteFailure(name string, err error) string {
	if errors.Is(err, backends.ErrGroupActive) {
		return "delete group " + name + ": refused, it has members now (the broker says " + common.ErrorLine(err) +
			"); stop its consumers and try again once it shows Empty"
	}
	return "delete group " + name + ": " + common.ErrorLine(err)
}

func topicsText(g group) string {
	switch len(g.Topics) {
	case 0:
		return "no topic"
	case 1:
		return "topic " + sanitize.Line(g.Topics[0])
	}
	return fmt.Sprintf("%d topics", len(g.Topics))
}
