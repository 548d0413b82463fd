package list

import (
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/table"
)

// KindDetail is the Kind of a detail view.
const KindDetail = "detail"

// Field is one line of an item's details; values are already sanitized.
type Field struct {
	Label, Value string
	Tone         table.Tone
}

// detail shows every field of one item of a list, refreshed from the same listing.
type detail struct {
	common.Base
	c *common.Common
	// load refreshes the item from the same listing as the list it came from; nil where that list has
	// none of its own.
	load *common.Load

	fields []Field
	at     time.Time
	gone   bool // the last listing no longer had the item

	offset int
}

func newDetail[T any](c *common.Common, l *Model[T], it T) *detail {
	want := l.spec.ID(it)
	d := &detail{Base: common.NewBase(KindDetail, sanitize.Line(l.spec.Name(it))), c: c, fields: l.spec.Detail(it), at: l.at}
	if l.spec.Fetch != nil {
		d.load = common.LoadWith(l.spec.Fetch, func(items []T, at time.Time) {
			i := slices.IndexFunc(items, func(x T) bool { return l.spec.ID(x) == want })
			d.show(i >= 0, func() []Field { return l.spec.Detail(items[i]) }, at)
		})
	}
	return d
}

func (d *detail) Load() *common.Load        { return d.load }
func (d *detail) SetSize(width, height int) { d.Base.SetSize(width, height); d.scroll(0) }

func (d *detail) Keys() []key.Binding { return []key.Binding{d.c.Keys.Up, d.c.Keys.Down} }

// show takes the item's fields from a fresh listing, or marks it gone when the listing no longer has it.
func (d *detail) show(found bool, fields func() []Field, at time.Time) {
	d.gone, d.Stale, d.at = !found, false, at
	if found {
		d.fields = fields()
	}
}

func (d *detail) Update(msg tea.KeyPressMsg) tea.Cmd {
	k := d.c.Keys
	switch {
	case key.Matches(msg, k.Up):
		d.scroll(-1)
	case key.Matches(msg, k.Down):
		d.scroll(1)
	case key.Matches(msg, k.Top):
		d.scroll(-len(d.fields))
	case key.Matches(msg, k.Bottom):
		d.scroll(len(d.fields))
	}
	return nil
}

func (d *detail) scroll(delta int) {
	d.offset = min(max(d.offset+delta, 0), max(len(d.fields)-d.Height, 0))
}

func (d *detail) Status() string {
	s := d.c.Styles
	status := s.Muted.Render("updated " + d.at.Format("15:04:05"))
	switch {
	case d.gone:
		status = s.Warn.Render("no longer listed") + s.Muted.Render(" · ") + status
	case d.Stale:
		status = s.Warn.Render("stale") + s.Muted.Render(" · ") + status
	}
	return status
}

func (d *detail) View() string {
	s := d.c.Styles
	labelWidth := 0
	for _, f := range d.fields {
		labelWidth = max(labelWidth, lipgloss.Width(f.Label))
	}
	var lines []string
	end := min(d.offset+d.Height, len(d.fields))
	for _, f := range d.fields[d.offset:end] {
		label := s.Label.Render(f.Label + strings.Repeat(" ", labelWidth-lipgloss.Width(f.Label)))
		value := ansi.Truncate(f.Value, max(d.Width-labelWidth-2, 1), "…")
		lines = append(lines, label+"  "+s.Table.Tones[f.Tone].Render(value))
	}
	return strings.Join(lines, "\n")
}
