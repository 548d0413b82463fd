package screens

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/decode"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/redact"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/confirm"
	"github.com/mqscope/mqscope/ui/components/form"
	"github.com/mqscope/mqscope/ui/components/list"
	"github.com/mqscope/mqscope/ui/components/progress"
)

// KindPublish is the Kind of the form that publishes new messages.
const KindPublish = "publish"

// canPublish reports whether a new message may be sent to d: the broker publishes, the context allows
// changes, and d takes messages.
func canPublish(c *common.Common, d dest) bool {
	return c.Allows(actions.VerbPublish) && (Browsable(d) || d.Kind == backends.Exchange)
}

// publishActions offers n (new message) on what can take one.
func publishActions(c *common.Common, d dest) []list.Action {
	if !canPublish(c, d) {
		return nil
	}
	return []list.Action{{Binding: c.Keys.Publish, RunFrom: func(from int) tea.Cmd {
		return common.Push(newPublishForm(c, d, from))
	}}}
}

// formField is one field of the publish form.
type formField int

const (
	fieldTo formField = iota
	fieldKey
	fieldHeaders
	fieldContentType
	fieldProperties
	fieldCount
	fieldRate
	fieldBody
	fieldSchema // Kafka with a schema registry: the body is encoded with SUBJECT[:VERSION][#MESSAGE]
	fieldQoS    // MQTT: 0, 1 or 2
	fieldRetain // MQTT: whether the message becomes the topic's retained one
)

// formProblem is what is wrong with a field: blocking ones keep the form from being sent.
type formProblem struct {
	field  formField
	text   string // sanitized
	blocks bool
}

// publishForm writes a message (or many, from templates) and sends it: destination, key, headers,
// content type (and AMQP properties where the destination is RabbitMQ's), count, rate and body. The body
// is checked as JSON while it is typed when its content type says JSON (then a bad body cannot be sent)
// or when it looks like JSON (then it is a warning), with the line and column of the first error.
type publishForm struct {
	common.Base
	c        *common.Common
	dest     dest
	returnTo int // the view the form was opened from: back there once sent

	fields []formField // the fields this kind of destination has, in order
	focus  int         // index into fields
	inputs map[formField]*textinput.Model
	areas  map[formField]*textarea.Model
	// toFixed is set for a destination whose name has characters a text field would drop or show raw:
	// the name is sent exactly as listed and cannot be edited.
	toFixed bool

	problems []formProblem
	jsonOK   bool // the body was checked as JSON and is valid
	sending  bool
	formKeys
	// emptyOK is set once ctrl+s on an empty body has been answered with a question: the second one sends.
	emptyOK bool
	initial map[formField]string // the values the form opened with, to tell typed input from none
}

// newPublishForm opens the form on d; returnTo is the view to go back to once sent.
func newPublishForm(c *common.Common, d dest, returnTo int) *publishForm {
	v := &publishForm{Base: common.NewBase(KindPublish, "new message"), c: c, dest: d, returnTo: returnTo,
		inputs: map[formField]*textinput.Model{}, areas: map[formField]*textarea.Model{}}
	v.fields = formFields(d)
	if d.Kind == backends.Topic && !present.Sampled(d) && c.Registry != nil {
		v.fields = slices.Insert(v.fields, slices.Index(v.fields, fieldContentType)+1, fieldSchema)
	}
	for _, f := range v.fields {
		switch f {
		case fieldHeaders, fieldProperties, fieldBody:
			a := form.NewTextArea(c)
			v.areas[f] = &a
		default:
			in := form.NewTextInput(c, "")
			v.inputs[f] = &in
		}
	}
	v.toFixed = !sanitize.IsClean(d.Name)
	if !v.toFixed {
		v.inputs[fieldTo].SetValue(d.Name)
	}
	v.inputs[fieldCount].SetValue("1")
	if in, ok := v.inputs[fieldQoS]; ok {
		in.SetValue("1")
		v.inputs[fieldRetain].SetValue("no")
	}
	// Placeholders are words in parentheses, never something that reads as a value: without colour
	// (NO_COLOR) they look like typed text.
	v.inputs[fieldRate].Placeholder = "(empty: as fast as the broker confirms)"
	v.inputs[fieldContentType].Placeholder = "(empty: none)"
	if in, ok := v.inputs[fieldSchema]; ok {
		in.Placeholder = "(empty: send the body as typed)"
	}
	v.areas[fieldBody].Placeholder = "(empty: type the body; templates {{seq}} {{uuid}} {{now}})"
	v.focus = v.indexOf(fieldBody) // the destination is given: the body is what one came to write
	v.focusCurrent()
	v.validate()
	v.initial = map[formField]string{}
	for _, f := range v.fields {
		v.initial[f] = v.value(f)
	}
	return v
}

// typed reports whether the form holds input the user would lose by leaving.
func (v *publishForm) typed() bool {
	for _, f := range v.fields {
		if v.value(f) != v.initial[f] {
			return true
		}
	}
	return false
}

// Said on the form when a key needs saying twice.
const (
	discardQuestion = "esc again throws away what you typed; any other key goes on editing"
	emptyQuestion   = "the body is empty: ctrl+s again sends it empty (0 B), or type a body"
)

// formFields are a destination's fields: a topic has a key; a queue is reached by its name and has AMQP
// properties; an exchange has both a routing key and properties; an MQTT topic (one a listing sampled)
// has no key but a QoS and a retain flag.
func formFields(d dest) []formField {
	switch {
	case present.Sampled(d):
		return []formField{fieldTo, fieldQoS, fieldRetain, fieldHeaders, fieldContentType, fieldCount, fieldRate, fieldBody}
	}
	switch d.Kind {
	case backends.Topic:
		return []formField{fieldTo, fieldKey, fieldHeaders, fieldContentType, fieldCount, fieldRate, fieldBody}
	case backends.Exchange:
		return []formField{fieldTo, fieldKey, fieldHeaders, fieldContentType, fieldProperties, fieldCount, fieldRate, fieldBody}
	}
	return []formField{fieldTo, fieldHeaders, fieldContentType, fieldProperties, fieldCount, fieldRate, fieldBody}
}

func (v *publishForm) Capturing() bool { return true } // every key is text: ":" and "q" too

func (v *publishForm) Status() string {
	if v.sending {
		return v.c.Styles.Accent.Render("sending…")
	}
	return v.c.Styles.Muted.Render("to " + v.targetLabel())
}

var (
	sendKey      = key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "send"))
	nextFieldKey = key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab/shift+tab", "field"))
)

func (v *publishForm) Keys() []key.Binding { return []key.Binding{sendKey, nextFieldKey, cancelKey} }

func (v *publishForm) indexOf(f formField) int {
	for i, g := range v.fields {
		if g == f {
			return i
		}
	}
	return 0
}

func (v *publishForm) current() formField { return v.fields[v.focus] }

// focusCurrent gives the cursor to the current field alone.
func (v *publishForm) focusCurrent() tea.Cmd {
	var cmd tea.Cmd
	for f, in := range v.inputs {
		if f == v.current() {
			cmd = in.Focus()
		} else {
			in.Blur()
		}
	}
	for f, a := range v.areas {
		if f == v.current() {
			cmd = a.Focus()
		} else {
			a.Blur()
		}
	}
	return cmd
}

func (v *publishForm) move(delta int) tea.Cmd {
	n := len(v.fields)
	v.focus = ((v.focus+delta)%n + n) % n
	if v.current() == fieldTo && v.toFixed {
		v.focus = ((v.focus+delta)%n + n) % n
	}
	return v.focusCurrent()
}

// Update is the form's keys; the answer to a send on its way closes the form or says what went wrong.
func (v *publishForm) Update(msg tea.KeyPressMsg) tea.Cmd { return v.key(msg, v.sending, v) }

// Paste is the shell's: pasted text goes into the current field.
func (v *publishForm) Paste(msg tea.PasteMsg) tea.Cmd { return v.paste(msg, v.sending, v) }

func (v *publishForm) oneLine() bool {
	_, ok := v.inputs[v.current()]
	return ok
}

// edit hands msg to the current field and checks the form again.
func (v *publishForm) edit(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	f := v.current()
	if in, ok := v.inputs[f]; ok {
		*in, cmd = in.Update(msg)
	} else if a, ok := v.areas[f]; ok {
		*a, cmd = a.Update(msg)
	}
	v.err, v.emptyOK = "", false
	v.validate()
	return cmd
}

func (v *publishForm) value(f formField) string {
	if in, ok := v.inputs[f]; ok {
		return in.Value()
	}
	if a, ok := v.areas[f]; ok {
		return a.Value()
	}
	return ""
}

func (v *publishForm) validate() {
	_, v.problems = v.options()
}

// blocking is the first problem that keeps the form from being sent.
func (v *publishForm) blocking() (formProblem, bool) {
	for _, p := range v.problems {
		if p.blocks {
			return p, true
		}
	}
	return formProblem{}, false
}

// options reads the form into what a session's Publish takes, and says what is wrong with it.
func (v *publishForm) options() (actions.PublishOptions, []formProblem) {
	var problems []formProblem
	fail := func(f formField, blocks bool, format string, args ...any) {
		problems = append(problems, formProblem{field: f, text: sanitize.Line(fmt.Sprintf(format, args...)), blocks: blocks})
	}
	opts := actions.PublishOptions{Target: v.target(), Body: []byte(v.value(fieldBody)), Count: 1}
	if to := v.toName(); strings.TrimSpace(to) == "" {
		fail(fieldTo, true, "say where the message goes")
	}
	if k := v.value(fieldKey); k != "" && v.dest.Kind == backends.Topic {
		opts.Key = []byte(k)
	}
	for i, line := range strings.Split(v.value(fieldHeaders), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		h, err := actions.ParseHeader(line)
		if err != nil {
			fail(fieldHeaders, true, "line %d: %v", i+1, err)
			continue
		}
		opts.Headers = append(opts.Headers, h)
	}
	ct := strings.TrimSpace(v.value(fieldContentType))
	if ct != "" {
		if v.hasProperties() {
			opts.Properties, _ = actions.SetProperty(opts.Properties, "content_type="+ct)
		} else if _, ok := (backends.Message{Headers: opts.Headers}).HeaderValue("content-type"); !ok {
			opts.Headers = append(opts.Headers, backends.Header{Key: "content-type", Value: []byte(ct)})
		}
	}
	for i, line := range strings.Split(v.value(fieldProperties), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var err error
		if opts.Properties, err = actions.SetProperty(opts.Properties, strings.TrimSpace(line)); err != nil {
			fail(fieldProperties, true, "line %d: %v", i+1, err)
		}
	}
	if _, mqtt := v.inputs[fieldQoS]; mqtt {
		q, err := strconv.Atoi(strings.TrimSpace(v.value(fieldQoS)))
		if err != nil || q < 0 || q > 2 {
			fail(fieldQoS, true, "want 0 (at most once), 1 (at least once) or 2 (exactly once)")
		} else {
			opts.Target.QoS = &q
		}
		switch strings.ToLower(strings.TrimSpace(v.value(fieldRetain))) {
		case "yes", "y", "true":
			opts.Target.Retain = true
		case "no", "n", "false", "":
		default:
			fail(fieldRetain, true, "want yes or no")
		}
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v.value(fieldCount))); err != nil || n < 1 {
		fail(fieldCount, true, "want a whole number, 1 or more")
	} else {
		opts.Count = n
	}
	if r := strings.TrimSpace(v.value(fieldRate)); r != "" {
		if f, err := strconv.ParseFloat(r, 64); err != nil || f < 0 {
			fail(fieldRate, true, "want messages per second, such as 50 or 0.5; empty sends as fast as the broker confirms")
		} else {
			opts.Rate = f
		}
	}
	schema := v.withSchema(&opts, fail)
	v.jsonOK = false
	body := string(opts.Body)
	if wants := actions.IsJSONContentType(ct) || schema; wants || form.LooksLikeJSON(body) {
		if err := form.CheckJSON(body); err != nil {
			if wants {
				fail(fieldBody, true, "%v (the content type or the schema says JSON)", err)
			} else {
				fail(fieldBody, false, "%v (it looks like JSON; ctrl+s sends it as text all the same)", err)
			}
		} else {
			v.jsonOK = true
		}
	}
	return opts, problems
}

// withSchema has opts encode the body with the schema the form names, if it names one, and says whether
// it does. The registry is asked when the message is sent, in the background, not while typing.
func (v *publishForm) withSchema(opts *actions.PublishOptions, fail func(formField, bool, string, ...any)) bool {
	spec := strings.TrimSpace(v.value(fieldSchema))
	if spec == "" || v.c.Registry == nil {
		return false
	}
	ref, err := decode.ParseSchemaRef(spec)
	if err != nil {
		fail(fieldSchema, true, "%v", strings.TrimPrefix(err.Error(), "--schema "))
		return false
	}
	reg := v.c.Registry
	opts.JSON = true
	opts.Encode = func(body []byte) ([]byte, error) {
		wire, _, err := reg.Encode(context.Background(), ref, body)
		return wire, err
	}
	return true
}

// hasProperties: messages to RabbitMQ queues and exchanges carry AMQP properties; Kafka records do not.
func (v *publishForm) hasProperties() bool { return v.dest.Kind != backends.Topic }

// toName is the destination as the form names it: the listed name when it cannot be edited.
func (v *publishForm) toName() string {
	if v.toFixed {
		return v.dest.Name
	}
	return strings.TrimSpace(v.value(fieldTo))
}

func (v *publishForm) target() backends.Target {
	if v.dest.Kind == backends.Exchange {
		x := v.toName()
		return backends.Target{Exchange: &x, RoutingKey: v.value(fieldKey)}
	}
	return backends.Target{Destination: v.toName()}
}

func (v *publishForm) targetLabel() string { return sanitize.Line(v.target().Label()) }

// submit sends one message at once; many only after a confirmation that says how many, where, how fast.
func (v *publishForm) submit() tea.Cmd {
	opts, problems := v.options()
	v.problems = problems
	if p, bad := v.blocking(); bad {
		return common.Flash(common.FlashError, "fix the "+fieldName(p.field, v.dest.Kind)+" first: "+p.text)
	}
	if err := opts.Check(); err != nil {
		v.err = common.ErrorLine(err)
		return nil
	}
	if len(opts.Body) == 0 && !v.emptyOK {
		v.emptyOK, v.err = true, emptyQuestion // sent empty only when chosen
		return nil
	}
	if opts.Count > 1 {
		return common.Push(publishConfirm(v.c, opts, v.returnTo))
	}
	if v.c.Backend() == nil {
		v.err = "not connected: send again once the header says connected"
		return nil
	}
	v.sending, v.left, v.err = true, false, ""
	session, label := v.c.Session(), v.targetLabel()
	// For no view in particular: the form may be gone by the answer, the flash is not.
	return common.Run(0, publishOne(session, opts), func(r actions.SendReport, err error) tea.Cmd { return v.sent(label, r, err) })
}

// publishOne is the broker work of sending one message.
func publishOne(session *actions.Session, opts actions.PublishOptions) func(ctx context.Context, b backends.Backend) (actions.SendReport, error) {
	return func(ctx context.Context, _ backends.Backend) (actions.SendReport, error) {
		return session.Publish(ctx, opts, nil)
	}
}

// sent is the broker's answer to a send: back where the form was opened, or the form stays open saying
// why not.
func (v *publishForm) sent(label string, r actions.SendReport, err error) tea.Cmd {
	v.sending = false
	switch {
	case err != nil:
		v.err = common.ErrorLine(err)
	case !r.OK() && len(r.Errors) > 0:
		v.err = "not sent: " + sanitize.Line(redact.Text(r.Errors[0].Error))
	case !r.OK():
		v.err = "not sent: the broker did not confirm it"
	case v.left:
		return common.Flash(common.FlashInfo, "sent 1 message to "+label)
	default:
		return tea.Batch(common.PopTo(v.returnTo), common.Flash(common.FlashInfo, "sent 1 message to "+label))
	}
	return common.Flash(common.FlashError, "publish to "+label+": "+v.err)
}

// publishConfirm asks before many messages go out, saying exactly how many, where and how fast.
func publishConfirm(c *common.Common, opts actions.PublishOptions, returnTo int) *confirm.Model {
	s := c.Styles
	label := sanitize.Line(opts.Target.Label())
	n := int64(opts.Count)
	pace := "as fast as the broker confirms them"
	if opts.Rate > 0 {
		pace = fmt.Sprintf("at %s a second (about %s)", strconv.FormatFloat(opts.Rate, 'g', -1, 64),
			present.Elapsed(time.Duration(float64(n)/opts.Rate*float64(time.Second))))
	}
	body := s.Muted.Render(fmt.Sprintf("each built from the same templates: body %s, %d header%s", present.Bytes(len(opts.Body)),
		len(opts.Headers), plural(int64(len(opts.Headers)))))
	if len(opts.Body) == 0 {
		body = s.Warn.Render(fmt.Sprintf("every message has an EMPTY body (0 B), as chosen, and %d header%s",
			len(opts.Headers), plural(int64(len(opts.Headers)))))
	}
	scope := []string{
		s.Text.Render(fmt.Sprintf("sends %s messages to %s, %s", present.Int(n), label, pace)),
		body,
		s.Muted.Render("a progress bar shows them go; esc stops the rest"),
	}
	verb := fmt.Sprintf("send %s messages", present.Int(n))
	return confirm.New(c, "publish to "+label, scope, verb, func() tea.Cmd {
		return common.PopToThen(returnTo, progress.New(c, publishTask(c, opts), returnTo))
	})
}

// publishTask runs a publish of many messages with progress.
func publishTask(c *common.Common, opts actions.PublishOptions) progress.Task {
	label := sanitize.Line(opts.Target.Label())
	session := c.Session()
	return progress.WithWork(progress.Task{
		Title:      "publish to " + label,
		Verb:       "sent",
		Scope:      []string{c.Styles.Muted.Render(fmt.Sprintf("%s messages to %s", present.Int(int64(opts.Count)), label))},
		Total:      int64(opts.Count),
		CancelNote: "what the broker confirmed stays sent; the rest is not sent",
	}, func(ctx context.Context, _ backends.Backend, report func(progress.Counts)) (actions.SendReport, error) {
		return session.Publish(ctx, opts, sendProgress(report))
	}, func(r actions.SendReport, err error, cancelled bool) progress.Report {
		return sendOutcome(c, "publish", "to "+label, r, err, cancelled)
	})
}

// sendProgress turns a publish's or replay's progress into the view's counts.
func sendProgress(report func(progress.Counts)) func(actions.SendProgress) {
	return func(p actions.SendProgress) {
		report(progress.Counts{Done: p.Sent, Failed: p.Failed, Total: p.Total, Waiting: p.Waiting})
	}
}

// sendOutcome reports a publish or a replay: back with a flash when every message went, else the counts
// and why messages failed.
func sendOutcome(c *common.Common, what, where string, r actions.SendReport, err error, cancelled bool) progress.Report {
	s := c.Styles
	counts := &progress.Counts{Done: r.Sent, Failed: r.Failed}
	sent := fmt.Sprintf("%s message%s %s", present.Int(r.Sent), plural(r.Sent), where)
	if err == nil && !cancelled && r.OK() {
		return progress.Report{Counts: counts, Level: common.FlashInfo,
			Flash: fmt.Sprintf("%s: sent %s in %s", what, sent, present.Elapsed(r.Elapsed))}
	}
	ended := cancelledOrFailed(err, cancelled)
	if ended == "" {
		ended = "done, with failures"
	}
	lines := []string{
		s.Warn.Render(what + " " + ended),
		"",
		s.Label.Render("sent     ") + s.Text.Render(present.Int(r.Sent)),
		s.Label.Render("failed   ") + s.Error.Render(present.Int(r.Failed)),
		s.Label.Render("took     ") + s.Text.Render(present.Elapsed(r.Elapsed)),
	}
	if len(r.Errors) > 0 {
		lines = append(lines, "", s.Table.Header.Render(fmt.Sprintf("%9s  %s", "MESSAGES", "WHY THEY FAILED")))
		for _, e := range r.Errors {
			lines = append(lines, s.Text.Render(fmt.Sprintf("%9s  %s", present.Int(e.Count), sanitize.Line(redact.Text(e.Error)))))
		}
	}
	return progress.Report{Counts: counts, Lines: lines, Level: common.FlashError,
		Flash: fmt.Sprintf("%s %s: %s sent, %s failed", what, ended, present.Int(r.Sent), present.Int(r.Failed))}
}

// fieldName is how the form labels a field.
func fieldName(f formField, kind backends.DestinationKind) string {
	switch f {
	case fieldTo:
		return string(kind)
	case fieldKey:
		if kind == backends.Exchange {
			return "routing key"
		}
		return "key"
	case fieldHeaders:
		return "headers"
	case fieldContentType:
		return "content type"
	case fieldProperties:
		return "properties"
	case fieldCount:
		return "count"
	case fieldRate:
		return "rate"
	case fieldSchema:
		return "schema"
	case fieldQoS:
		return "QoS"
	case fieldRetain:
		return "retain"
	}
	return "body"
}

// fieldHint says what a field takes, under the form while it has the cursor.
func (v *publishForm) fieldHint(f formField) string {
	switch f {
	case fieldTo:
		if v.dest.Kind == backends.Exchange {
			return "the exchange; the routing key decides which queues get the message"
		}
		return "the " + string(v.dest.Kind) + " the message goes to"
	case fieldKey:
		if v.dest.Kind == backends.Exchange {
			return "the routing key; templates {{seq}} {{uuid}} {{now}}"
		}
		return "the record key (placed by murmur2, as Java producers do); empty: none; templates {{seq}} {{uuid}} {{now}}"
	case fieldHeaders:
		return "KEY=VALUE, one a line; values take templates"
	case fieldContentType:
		if v.hasProperties() {
			return "the AMQP content_type; application/json (or any +json) checks the body"
		}
		return "sent as the header content-type; application/json (or any +json) checks the body"
	case fieldProperties:
		return "NAME=VALUE, one a line: " + actions.PropertyNames
	case fieldCount:
		return "how many messages, each built anew from the templates"
	case fieldRate:
		return "messages per second; empty: as fast as the broker confirms"
	case fieldSchema:
		return "registry SUBJECT[:VERSION][#pkg.Message] to encode the JSON body with" // fits 80 columns
	case fieldQoS:
		return "0 at most once (not acknowledged), 1 at least once, 2 exactly once"
	case fieldRetain:
		return "yes: the message becomes the topic's retained one, which every new subscriber gets first"
	}
	return "templates {{seq}} {{uuid}} {{now}}; enter is a new line, ctrl+s sends"
}

// SetSize lays the fields out: one line each, the headers and properties a few, the body what is left.
func (v *publishForm) SetSize(width, height int) {
	v.Width, v.Height = width, height
	w := max(width-labelWidth, 10)
	for _, in := range v.inputs {
		in.SetWidth(max(w-2, 1))
	}
	small, body := v.areaHeights()
	for f, a := range v.areas {
		a.SetWidth(w)
		if f == fieldBody {
			a.SetHeight(body)
		} else {
			a.SetHeight(small)
		}
	}
}

const labelWidth = 16 // "  content type  "

// areaHeights share out the lines the single-line fields and the status leave.
func (v *publishForm) areaHeights() (small, body int) {
	fixed := 2 + len(v.inputs) + 4 // title and gap; inputs; gap, problem (two lines) and hint
	room := v.Height - fixed
	smalls := len(v.areas) - 1
	small = 2
	if room-smalls*small < 3 {
		small = 1
	}
	return small, max(room-smalls*small, 3)
}

func (v *publishForm) View() string {
	s := v.c.Styles
	readOnly := ""
	// Not offered there; should it open all the same, the session refuses the send.
	if errors.Is(v.c.Session().Can(actions.VerbPublish), actions.ErrReadOnly) {
		readOnly = s.Error.Render("  (read-only: sending is refused)")
	}
	lines := []string{s.Text.Render("New message to ") + s.Accent.Render(v.targetLabel()) + readOnly, ""}
	bad := map[formField]bool{}
	for _, p := range v.problems {
		bad[p.field] = bad[p.field] || p.blocks
	}
	for _, f := range v.fields {
		label := fmt.Sprintf("  %-*s", labelWidth-2, fieldName(f, v.dest.Kind))
		style := s.Label
		switch {
		case bad[f]:
			style = s.Error
		case f == v.current():
			style = s.Accent
		}
		label = style.Render(label)
		switch {
		case f == fieldTo && v.toFixed:
			lines = append(lines, label+s.Text.Render(sanitize.Line(v.dest.Name))+s.Muted.Render("  (sent as listed)"))
		case v.inputs[f] != nil:
			lines = append(lines, label+v.inputs[f].View())
		default:
			for i, l := range strings.Split(v.areas[f].View(), "\n") {
				if i > 0 {
					label = strings.Repeat(" ", labelWidth)
				}
				lines = append(lines, label+l)
			}
		}
	}
	lines = append(lines, "")
	lines = append(lines, v.statusLines()...)
	lines = append(lines, s.Muted.Render("  "+v.fieldHint(v.current())))
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, max(v.Width, 1), "…")
	}
	return strings.Join(lines, "\n")
}

// statusLines are the send's failure, else the first problem, else what the check found: two lines,
// so that a JSON error is read whole.
func (v *publishForm) statusLines() []string {
	s := v.c.Styles
	style, text := s.OK, ""
	p, bad := v.blocking()
	switch {
	case v.err != "":
		style, text = s.Error, "✗ "+v.err
	case bad:
		style, text = s.Error, "✗ "+fieldName(p.field, v.dest.Kind)+": "+p.text
	case len(v.problems) > 0:
		p = v.problems[0]
		style, text = s.Warn, "! "+fieldName(p.field, v.dest.Kind)+": "+p.text
	case v.jsonOK:
		text = "✓ the body is valid JSON"
	}
	lines := common.Wrap(text, max(v.Width-4, 10))
	for len(lines) < 2 {
		lines = append(lines, "")
	}
	out := make([]string, 2)
	for i, l := range lines[:2] {
		out[i] = style.Render("  " + l)
	}
	return out
}
