package screens

import (
	"context"
	"fmt"
	"strconv"

	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/confirm"
	"github.com/mqscope/mqscope/ui/components/list"
)

// purgeActions offers P on what the broker can empty: a queue it purges (RabbitMQ), a topic it truncates
// (Kafka). Never where the session refuses it (a read-only context); it would refuse the purge anyway.
func purgeActions(c *common.Common, d dest) []list.Action {
	switch {
	case present.Sampled(d): // MQTT: a topic holds its retained message, and a purge clears it
		if d.Retained && c.Allows(actions.VerbPurge) {
			return []list.Action{{Binding: common.Relabel(c.Keys.Purge, "clear retained"),
				Run: func() tea.Cmd { return common.Push(clearRetainedConfirm(c, d.Name)) }}}
		}
		return nil
	}
	switch d.Kind {
	case backends.Queue:
		if c.Allows(actions.VerbPurge) {
			return []list.Action{{Binding: c.Keys.Purge, Run: func() tea.Cmd { return planPurge(c, d.Name) }}}
		}
	case backends.Topic:
		if c.Allows(actions.VerbTruncate) {
			return []list.Action{{Binding: common.Relabel(c.Keys.Purge, "truncate"), Run: func() tea.Cmd { return planTruncate(c, d.Name) }}}
		}
	}
	return nil
}

// planPurge asks what a purge would remove now, then asks for a y.
func planPurge(c *common.Common, queue string) tea.Cmd {
	return common.Run(0, func(ctx context.Context, b backends.Backend) (actions.PurgePlan, error) {
		return actions.PlanPurge(ctx, b, queue)
	}, func(plan actions.PurgePlan, err error) tea.Cmd {
		if err != nil {
			return flashFailure("plan the purge of "+sanitize.Line(queue), err)
		}
		return common.Push(purgeConfirm(c, plan))
	})
}

func purgeConfirm(c *common.Common, plan actions.PurgePlan) *confirm.Model {
	s := c.Styles
	name := sanitize.Line(plan.Queue)
	where := c.Words.Queue() + " " + name // a Redis list is no queue
	if plan.Vhost != "" {
		where += " in vhost " + sanitize.Line(plan.Vhost)
	}
	removes := fmt.Sprintf("removes its %s ready message%s, for good", present.Int(plan.Ready), plural(plan.Ready))
	verb := fmt.Sprintf("purge %s ready message%s", present.Int(plan.Ready), plural(plan.Ready))
	counted := "counted just now: messages published meanwhile go too"
	switch {
	case !backends.Known(plan.Ready):
		removes, verb = "removes every ready message, for good: how many is unknown", "purge every ready message"
		counted = "the broker gives no figures for this queue right now"
	case plan.Approximate: // SQS: every message, counted by its estimate
		removes = fmt.Sprintf("removes its ~%s message%s, for good", present.Int(plan.Ready), plural(plan.Ready))
		verb = fmt.Sprintf("purge ~%s message%s", present.Int(plan.Ready), plural(plan.Ready))
		counted = "the broker's estimate, not a count"
	}
	var unacked string // what the purge leaves
	switch {
	case plan.Note != "": // what the broker's purge does beyond ready messages: SQS's takes in-flight ones too
		unacked = sanitize.Line(plan.Note)
	case plan.TakenWhenRead: // a Redis list: nothing is ever left with consumers
	case backends.Known(plan.Unacked):
		unacked = fmt.Sprintf("leaves the %s unacknowledged with their consumers (they come back if rejected)", present.Int(plan.Unacked))
	default:
		unacked = "leaves the unacknowledged ones with their consumers (they come back if rejected)"
	}
	scope := []string{s.Text.Render(where), s.Text.Render(removes)}
	if unacked != "" {
		scope = append(scope, s.Muted.Render(unacked))
	}
	scope = append(scope, s.Muted.Render(counted))
	d := confirm.New(c, "purge "+name, scope, verb, func() tea.Cmd {
		session := c.Session()
		return tea.Batch(common.Pop(), common.Run(0, func(ctx context.Context, _ backends.Backend) (int64, error) {
			return session.Purge(ctx, plan.Queue)
		}, func(n int64, err error) tea.Cmd {
			if err != nil {
				return flashFailure("purge "+name, err)
			}
			return common.Flash(common.FlashInfo, fmt.Sprintf("purged %s message%s from %s", present.Int(n), plural(n), name))
		}))
	})
	d.TypeToConfirm(name) // the whole queue: typed, as k9s asks before a delete
	return d
}

// planTruncate asks what deleting every record of the topic would remove, then asks for a y.
func planTruncate(c *common.Common, topic string) tea.Cmd {
	return common.Run(0, func(ctx context.Context, b backends.Backend) (actions.TruncatePlan, error) {
		return actions.PlanTruncate(ctx, b, topic, actions.TruncateAll)
	}, func(plan actions.TruncatePlan, err error) tea.Cmd {
		if err != nil {
			return flashFailure("plan the truncation of "+sanitize.Line(topic), err)
		}
		if plan.Removes() == 0 {
			return common.Flash(common.FlashInfo, sanitize.Line(topic)+" holds no records: nothing to truncate")
		}
		return common.Push(truncateConfirm(c, plan))
	})
}

func truncateConfirm(c *common.Common, plan actions.TruncatePlan) *confirm.Model {
	s := c.Styles
	name := sanitize.Line(plan.Topic)
	n := plan.Removes()
	row := func(part, start, end, removes string) string {
		return fmt.Sprintf("%5s %12s %12s %12s", part, start, end, removes)
	}
	scope := []string{
		s.Text.Render(fmt.Sprintf("topic %s: deletes every record of its %d partition%s, %s in all, for good",
			name, len(plan.Partitions), plural(int64(len(plan.Partitions))), present.Int(n))),
		s.Muted.Render("consumer groups keep their offsets; new records are kept"),
		"",
		s.Table.Header.Render(row("PART", "START", "END", "DELETES")),
	}
	for _, p := range plan.Partitions {
		scope = append(scope, s.Text.Render(row(strconv.Itoa(int(p.Partition)), present.Int(p.Start), present.Int(p.End), present.Int(p.Removes()))))
	}
	verb := fmt.Sprintf("delete %s record%s", present.Int(n), plural(n))
	d := confirm.New(c, "truncate "+name, scope, verb, func() tea.Cmd {
		session := c.Session()
		return tea.Batch(common.Pop(), common.Run(0, func(ctx context.Context, _ backends.Backend) (struct{}, error) {
			return struct{}{}, session.Truncate(ctx, plan.Topic, plan.Offsets())
		}, func(_ struct{}, err error) tea.Cmd {
			if err != nil {
				return flashFailure("truncate "+name, err)
			}
			return common.Flash(common.FlashInfo, fmt.Sprintf("truncated %s: %s records deleted", name, present.Int(n)))
		}))
	})
	d.TypeToConfirm(name) // every record of the topic: typed, as k9s asks before a delete
	return d
}

// clearRetainedConfirm asks before an MQTT topic's retained message is cleared (an empty retained
// message published to it, as MQTT has it).
func clearRetainedConfirm(c *common.Common, topic string) *confirm.Model {
	s := c.Styles
	name := sanitize.Line(topic)
	scope := []string{
		s.Text.Render("topic " + name + ": clears its retained message, for good"),
		s.Muted.Render("new subscribers get none until something is retained again; nothing else changes"),
	}
	return confirm.New(c, "clear the retained message of "+name, scope, "clear the retained message", func() tea.Cmd {
		session := c.Session()
		return tea.Batch(common.Pop(), common.Run(0, func(ctx context.Context, _ backends.Backend) (int64, error) {
			return session.Purge(ctx, topic)
		}, func(_ int64, err error) tea.Cmd {
			if err != nil {
				return flashFailure("clear the retained message of "+name, err)
			}
			return common.Flash(common.FlashInfo, "cleared the retained message of "+name)
		}))
	})
}
