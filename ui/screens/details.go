package screens

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/list"
)

// KindDetails is the Kind of a details page.
const KindDetails = "details"

// detailsView is one topic, queue, exchange or group looked at closely: the sections `mqscope describe`
// prints (present.DestinationSections, present.GroupSections), fetched again on every refresh and drawn a
// window at a time, with the lines scrolled up and down and the wide tables left and right.
type detailsView struct {
	common.Base
	c     *common.Common
	fetch func(ctx context.Context, b backends.Backend) ([]present.Section, error)

	lines  []detailsLine
	at     time.Time
	loaded bool // a fetch of its own came: until then the page shows what the listing had
	gone   bool // the last fetch found it no longer there

	top, left int // the first line and column shown
	// actions are the keys the page offers on what it shows (e edits a topic's configs), asked anew each
	// time since what the session allows can change; nil offers none.
	actions func() []list.Action
}

// detailsLine is one line of the page and how it reads: a section's title, a table's heading, or text.
type detailsLine struct {
	text string
	kind lineKind
}

type lineKind int

const (
	plainLine lineKind = iota
	titleLine
	headLine
	noteLine
)

// newDestinationDetails is the details page of d (a topic, queue, stream or exchange), showing what the
// listing had of it until its own fetch comes.
func newDestinationDetails(c *common.Common, d dest, listedAt time.Time) common.View {
	v := &detailsView{Base: common.NewBase(KindDetails, sanitize.Line(present.DestinationName(d))), c: c,
		fetch: func(ctx context.Context, b backends.Backend) ([]present.Section, error) {
			det, err := actions.Describe(ctx, b, d.Kind, d.Name)
			if err != nil {
				return nil, err
			}
			return present.DestinationSections(det), nil
		}}
	v.lines, v.at = detailsLines(present.DestinationSections(backends.Details{Destination: d})), listedAt
	v.actions = func() []list.Action { return configActions(c, d) }
	return v
}

// newGroupDetails is the details page of a consumer group.
func newGroupDetails(c *common.Common, g backends.ConsumerGroup, listedAt time.Time) common.View {
	v := &detailsView{Base: common.NewBase(KindDetails, sanitize.Line(g.Name)), c: c,
		fetch: func(ctx context.Context, b backends.Backend) ([]present.Section, error) {
			det, err := actions.DescribeGroup(ctx, b, g.Name)
			if err != nil {
				return nil, err
			}
			return present.GroupSections(det), nil
		}}
	v.lines, v.at = detailsLines(present.GroupSections(actions.GroupDetails{Group: g})), listedAt
	return v
}

// detailsPage is one fetch's page; gone when the broker no longer has what it describes.
type detailsPage struct {
	lines []detailsLine
	gone  bool
}

func (v *detailsView) Load() *common.Load {
	return common.LoadWith(func(ctx context.Context, b backends.Backend) (detailsPage, error) {
		secs, err := v.fetch(ctx, b)
		if errors.Is(err, backends.ErrNotFound) {
			return detailsPage{gone: true}, nil
		}
		if err != nil {
			return detailsPage{}, err
		}
		return detailsPage{lines: detailsLines(secs)}, nil
	}, v.show)
}

// show takes a fresh page; one that is gone keeps the last lines, marked.
func (v *detailsView) show(p detailsPage, at time.Time) {
	v.gone, v.at, v.loaded, v.Stale = p.gone, at, true, false
	if !p.gone {
		v.lines = p.lines
	}
	v.scroll(0, 0)
}

// detailsLines lays the sections out one under the other, a blank line between them.
func detailsLines(secs []present.Section) []detailsLine {
	var out []detailsLine
	for i, s := range secs {
		if i > 0 {
			out = append(out, detailsLine{})
		}
		lines := s.Lines()
		for j, l := range lines {
			kind := plainLine
			switch {
			case j == 0 && s.Title != "":
				kind = titleLine
			case s.Table != nil && j == len(s.Fields)+boolInt(s.Title != ""):
				kind = headLine
			case s.Note != "" && j == len(lines)-1:
				kind = noteLine
			}
			out = append(out, detailsLine{text: l, kind: kind})
		}
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (v *detailsView) SetSize(width, height int) {
	v.Base.SetSize(width, height)
	v.scroll(0, 0)
}

func (v *detailsView) Keys() []key.Binding {
	k := v.c.Keys
	keys := []key.Binding{common.Relabel(k.Down, "scroll"), k.Top, k.Bottom,
		key.NewBinding(key.WithKeys("left", "h", "right", "l"), key.WithHelp("←/→", "scroll sideways"))}
	for _, a := range v.pageActions() {
		keys = append(keys, a.Binding)
	}
	return keys
}

func (v *detailsView) pageActions() []list.Action {
	if v.actions == nil {
		return nil
	}
	return v.actions()
}

func (v *detailsView) Update(msg tea.KeyPressMsg) tea.Cmd {
	k := v.c.Keys
	page := max(v.Height-1, 1)
	switch {
	case key.Matches(msg, k.Up):
		v.scroll(-1, 0)
	case key.Matches(msg, k.Down):
		v.scroll(1, 0)
	case key.Matches(msg, k.PageUp):
		v.scroll(-page, 0)
	case key.Matches(msg, k.PageDown):
		v.scroll(page, 0)
	case key.Matches(msg, k.Top):
		v.scroll(-len(v.lines), 0)
	case key.Matches(msg, k.Bottom):
		v.scroll(len(v.lines), 0)
	case msg.String() == "left" || msg.String() == "h":
		v.scroll(0, -max(v.Width/4, 1))
	case msg.String() == "right" || msg.String() == "l":
		v.scroll(0, max(v.Width/4, 1))
	default:
		for _, a := range v.pageActions() {
			if key.Matches(msg, a.Binding) && a.RunFrom != nil {
				return a.RunFrom(v.ID()) // back here once done, which reloads the page
			}
		}
	}
	return nil
}

// scroll moves the window by lines down and cols right, keeping it on the page.
func (v *detailsView) scroll(lines, cols int) {
	v.top = min(max(v.top+lines, 0), max(len(v.lines)-v.Height, 0))
	widest := 0
	for _, l := range v.lines {
		widest = max(widest, present.Width(l.text))
	}
	v.left = min(max(v.left+cols, 0), max(widest-v.Width, 0))
}

func (v *detailsView) Status() string {
	s := v.c.Styles
	parts := []string{"updated " + v.at.Format("15:04:05")}
	if !v.loaded {
		parts = []string{"loading the rest…", "listed " + v.at.Format("15:04:05")}
	}
	if len(v.lines) > v.Height && v.Height > 0 {
		parts = append([]string{fmt.Sprintf("lines %d–%d of %d", v.top+1, min(v.top+v.Height, len(v.lines)), len(v.lines))}, parts...)
	}
	status := s.Muted.Render(strings.Join(parts, " · "))
	switch {
	case v.gone:
		status = s.Warn.Render("no longer listed") + s.Muted.Render(" · ") + status
	case v.Stale:
		status = s.Warn.Render("stale") + s.Muted.Render(" · ") + status
	}
	return status
}

// View draws only the lines in the window, each cut to the width after the sideways scroll.
func (v *detailsView) View() string {
	s := v.c.Styles
	end := min(v.top+v.Height, len(v.lines))
	out := make([]string, 0, end-v.top)
	for _, l := range v.lines[v.top:end] {
		text := present.Truncate(cutLeft(l.text, v.left), v.Width, "…")
		switch l.kind {
		case titleLine:
			text = s.Accent.Render(text)
		case headLine:
			text = s.Label.Render(text)
		case noteLine:
			text = s.Muted.Render(text)
		}
		out = append(out, text)
	}
	return strings.Join(out, "\n")
}

// cutLeft drops the first n cells of a line of plain text.
func cutLeft(s string, n int) string {
	if n <= 0 {
		return s
	}
	w := 0
	for i, r := range s {
		if w >= n {
			return s[i:]
		}
		w += present.Width(string(r))
	}
	return ""
}
