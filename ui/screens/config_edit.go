package screens

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/list"
)

// configActions offers e (edit configs) on a topic whose broker has topic configs, never read-only and
// never on the broker's own topics.
func configActions(c *common.Common, d dest) []list.Action {
	if d.Kind != backends.Topic || d.Internal || !c.Allows(actions.VerbAlterConfig) {
		return nil
	}
	return []list.Action{{Binding: c.Keys.EditConfig, RunFrom: func(from int) tea.Cmd { return editConfigs(c, d.Name, from) }}}
}

// editConfigs reads the topic's configs, then opens the form on them.
func editConfigs(c *common.Common, topic string, returnTo int) tea.Cmd {
	session := c.Session()
	return common.Run(0, func(ctx context.Context, _ backends.Backend) ([]backends.ConfigEntry, error) {
		return session.TopicConfig(ctx, topic)
	}, func(entries []backends.ConfigEntry, err error) tea.Cmd {
		if err != nil {
			return flashFailure("read the configs of "+sanitize.Line(topic), err)
		}
		return common.Push(newConfigForm(c, topic, entries, returnTo))
	})
}

// newConfigForm shows the configs set away from their defaults, with where each comes from, and takes
// the topic's own as KEY=VALUE lines: a changed or added line sets a config, a deleted one takes it back
// to what it inherits. ctrl+s shows the change as a dry run first; y applies it.
func newConfigForm(c *common.Common, topic string, entries []backends.ConfigEntry, returnTo int) *adminForm {
	s := c.Styles
	now := map[string]backends.ConfigEntry{}
	var own []string
	notes := []string{s.Muted.Render("  set away from the default, and where:")}
	for _, e := range entries {
		now[e.Name] = e
		switch {
		case e.Source == backends.SourceDefault:
			continue
		case e.Source == backends.SourceTopic && !e.Sensitive:
			own = append(own, e.Name+"="+e.Value)
		}
		notes = append(notes, s.Text.Render(fmt.Sprintf("  %-40s %-24s", sanitize.Line(e.Name), shownValue(e)))+
			s.Muted.Render(string(e.Source)))
	}
	if len(notes) == 1 {
		notes = []string{s.Muted.Render("  every config has its default value")}
	}
	fields := []adminField{{label: "topic configs", lines: true, value: strings.Join(own, "\n"),
		placeholder: "(empty: every config takes what it inherits)",
		hint:        "KEY=VALUE one a line: change or add a line to set a config, delete it to take the config back to what it inherits"}}
	shown := sanitize.Line(topic)
	f := newAdminForm(c, "configs of "+shown, "Configs of topic "+shown, actions.VerbAlterConfig, fields, returnTo,
		func(vals []string) (adminPlan, error) { return planConfigs(c, topic, now, vals[0]) })
	f.notes = notes
	return f
}

func shownValue(e backends.ConfigEntry) string {
	if e.Sensitive {
		return "(hidden)"
	}
	return sanitize.Line(e.Value)
}

// planConfigs compares the lines with the configs set on the topic now: what to set, what to reset, and
// the review that shows each change from its value now to the one asked.
func planConfigs(c *common.Common, topic string, now map[string]backends.ConfigEntry, text string) (adminPlan, error) {
	want, err := keyValueLines(0, text)
	if err != nil {
		return adminPlan{}, err
	}
	set := map[string]string{}
	for k, v := range want {
		e, known := now[k]
		switch {
		case known && e.ReadOnly:
			return adminPlan{}, badField(0, "%s is read-only on this broker", k)
		case !known || e.Source != backends.SourceTopic || e.Value != v:
			set[k] = v
		}
	}
	var reset []string
	for k, e := range now {
		if _, kept := want[k]; !kept && e.Source == backends.SourceTopic && !e.Sensitive {
			reset = append(reset, k)
		}
	}
	slices.Sort(reset)
	if len(set) == 0 && len(reset) == 0 {
		return adminPlan{}, errors.New("nothing to change: edit a line to set a config, or delete one to reset it")
	}
	s := c.Styles
	shown := sanitize.Line(topic)
	review := []string{s.Text.Render("dry run: on topic " + shown + " this changes only the configs below"), ""}
	for _, k := range slices.Sorted(maps.Keys(set)) {
		review = append(review, s.Text.Render(fmt.Sprintf("  set    %s: %s → %s", sanitize.Line(k), was(now[k]), sanitize.Line(set[k]))))
	}
	for _, k := range reset {
		review = append(review, s.Text.Render(fmt.Sprintf("  reset  %s: %s → what it inherits (the broker's or the default)",
			sanitize.Line(k), was(now[k]))))
	}
	return adminPlan{what: "change the configs of " + shown,
		done:   fmt.Sprintf("configs of %s: %d set, %d reset", shown, len(set), len(reset)),
		review: review,
		run: func(ctx context.Context, ses *actions.Session) error {
			return ses.AlterTopicConfig(ctx, topic, set, reset)
		}}, nil
}

// was is a config's value now and where it comes from.
func was(e backends.ConfigEntry) string {
	if e.Name == "" {
		return "unknown to this broker"
	}
	return shownValue(e) + " (" + string(e.Source) + ")"
}
