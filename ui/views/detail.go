package views

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/table"
)

// KindDetail is the Kind of a detail view.
const KindDetail = "detail"

// field is one line of a detail view; values are already sanitized.
type field struct {
	label, value string
	tone         table.Tone
}

// detail shows every field of one item of a list, refreshed from the same listing.
type detail struct {
	c     *common.Common
	id    int
	title string
	fetch common.Fetch
	// pick finds this view's item in a fresh listing.
	pick func(data any) ([]field, bool)

	fields []field
	at     time.Time
	stale  bool
	gone   bool // the last listing no longer had the item

	offset        int
	width, height int
}

func newDetail[T any](c *common.Common, l *list[T], it T) *detail {
	want := l.spec.id(it)
	return &detail{
		c: c, id: common.NextID(), title: sanitize.Line(l.spec.name(it)), fetch: l.spec.fetch,
		fields: l.spec.detail(it), at: l.at,
		pick: func(data any) ([]field, bool) {
			items, _ := data.([]T)
			for _, x := range items {
				if l.spec.id(x) == want {
					return l.spec.detail(x), true
				}
			}
			return nil, false
		},
	}
}

func (d *detail) ID() int                   { return d.id }
func (d *detail) Kind() string              { return KindDetail }
func (d *detail) Title() string             { return d.title }
func (d *detail) Fetch() common.Fetch       { return d.fetch }
func (d *detail) SetStale(stale bool)       { d.stale = stale }
func (d *detail) SetFilter(string)          {} // one item: nothing to narrow
func (d *detail) Filter() string            { return "" }
func (d *detail) SetSize(width, height int) { d.width, d.height = width, height; d.scroll(0) }

func (d *detail) Keys() []key.Binding { return []key.Binding{d.c.Keys.Up, d.c.Keys.Down} }

func (d *detail) SetData(data any, at time.Time) {
	fields, ok := d.pick(data)
	d.gone, d.stale, d.at = !ok, false, at
	if ok {
		d.fields = fields
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
	d.offset = min(max(d.offset+delta, 0), max(len(d.fields)-d.height, 0))
}

func (d *detail) Status() string {
	s := d.c.Styles
	status := s.Muted.Render("updated " + d.at.Format("15:04:05"))
	switch {
	case d.gone:
		status = s.Warn.Render("no longer listed") + s.Muted.Render(" · ") + status
	case d.stale:
		status = s.Warn.Render("stale") + s.Muted.Render(" · ") + status
	}
	return status
}

func (d *detail) View() string {
	s := d.c.Styles
	labelWidth := 0
	for _, f := range d.fields {
		labelWidth = max(labelWidth, lipgloss.Width(f.label))
	}
	var lines []string
	end := min(d.offset+d.height, len(d.fields))
	for _, f := range d.fields[d.offset:end] {
		label := s.Label.Render(f.label + strings.Repeat(" ", labelWidth-lipgloss.Width(f.label)))
		value := ansi.Truncate(f.value, max(d.width-labelWidth-2, 1), "…")
		lines = append(lines, label+"  "+s.Table.Tones[f.tone].Render(value))
	}
	return strings.Join(lines, "\n")
}
