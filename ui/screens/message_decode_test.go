package screens

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/decode"
	"github.com/mqscope/mqscope/internal/testkit/srfix"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/body"
)

// A Protobuf body in the wire format is decoded through the context's registry; v walks through the
// views every body has, then the decoders its wire format may be: a wrong one shows the bytes and why.
func TestBodyViewsOfferTheDecoders(t *testing.T) {
	reg := srfix.Start(t)
	client, err := decode.NewRegistry(reg.URL())
	if err != nil {
		t.Fatal(err)
	}
	wire, _, err := client.Encode(context.Background(), decode.SchemaRef{Subject: srfix.ProtoSubject},
		[]byte(`{"id":"o-1","total":{"cents":5,"currency":"EUR"}}`))
	if err != nil {
		t.Fatal(err)
	}
	v := newBrowser(t, ordersTopic, 10)
	v.c.Registry = client
	deliver(v, message(0, 1, "k", string(wire)))
	d := openDetail(t, v, 100, 40)
	if s := screenOf(d); !strings.Contains(s, "body · protobuf · schema id 2 · view auto") || !strings.Contains(s, `"currency": "EUR"`) {
		t.Fatalf("auto decodes the wire format:\n%s", s)
	}
	steps := []struct {
		mode body.Mode
		want []string
	}{
		{body.JSON, []string{"not JSON"}},
		{body.Text, nil},
		{body.Hex, []string{"00000000  00 00 00 00 02 00"}},
		{body.Avro, []string{"schema id 2 is protobuf, not avro", "shown as hex", "00000000  00 00 00 00 02"}},
		{body.Protobuf, []string{"view protobuf", `"id": "o-1"`}},
		{body.JSONSchema, []string{"is protobuf, not jsonschema"}},
		{body.Auto, []string{"view auto"}}, // msgpack and cbor are skipped: a wire-format body is neither
	}
	for _, s := range steps {
		runView(d, d.Update(press("v")))
		if d.mode != s.mode {
			t.Fatalf("v should go to %s, is on %s", s.mode, d.mode)
		}
		for _, w := range s.want {
			if !strings.Contains(screenOf(d), w) {
				t.Fatalf("view %s lacks %q:\n%s", s.mode, w, screenOf(d))
			}
		}
	}
}

// With a schema registry, a topic's form has a schema field: the body must then be JSON, and is sent
// encoded in the wire format, which the message view decodes back to the same JSON.
func TestPublishFormEncodesWithASchema(t *testing.T) {
	reg := srfix.Start(t)
	c := sendingCommon()
	client, err := decode.NewRegistry(reg.URL())
	if err != nil {
		t.Fatal(err)
	}
	c.Registry = client
	v := newPublishForm(c, ordersTopic, 7)
	v.SetSize(100, 30)
	if !strings.Contains(screenOf(v), "schema") {
		t.Fatalf("no schema field:\n%s", screenOf(v))
	}
	body := `{"id":"j-1","qty":2}`
	typeIn(v, body)
	focusField(t, v, fieldSchema)
	typeIn(v, srfix.JSONSubject+":0")
	if p, bad := v.blocking(); !bad || p.field != fieldSchema {
		t.Fatalf("a bad version blocks: %+v", v.problems)
	}
	clearField(v)
	typeIn(v, srfix.JSONSubject)
	opts, problems := v.options()
	if len(problems) != 0 || opts.Encode == nil || !opts.JSON {
		t.Fatalf("problems %+v, encode set %v", problems, opts.Encode != nil)
	}
	wire, err := opts.Encode(opts.Body)
	if err != nil {
		t.Fatal(err)
	}
	got := (&decode.Decoder{Registry: client}).Decode(context.Background(), wire)
	if got.Format != decode.JSONSchema || got.SchemaID != srfix.JSONOrderID || !strings.Contains(got.Text, `"id": "j-1"`) {
		t.Fatalf("decoded %+v", got)
	}
	if _, err := opts.Encode([]byte(`{"id":"j-1","qty":0}`)); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("a body the schema refuses: %v", err)
	}
	if strings.Contains(screenOf(newPubForm(t, ordersTopic)), "schema") {
		t.Error("without a registry the form has no schema field")
	}

	// A Protobuf subject of several message types: #MESSAGE picks the one written.
	v = newPublishForm(c, ordersTopic, 7)
	v.SetSize(100, 30)
	typeIn(v, `{"orderId":"o-1","reason":"late"}`)
	focusField(t, v, fieldSchema)
	typeIn(v, srfix.ProtoSubject+"#shop.Refund")
	if opts, problems = v.options(); len(problems) != 0 || opts.Encode == nil {
		t.Fatalf("problems %+v", problems)
	}
	if wire, err = opts.Encode(opts.Body); err != nil {
		t.Fatal(err)
	}
	if got := (&decode.Decoder{Registry: client}).Decode(context.Background(), wire); got.Format != decode.Protobuf ||
		!strings.Contains(got.Text, `"reason": "late"`) {
		t.Errorf("decoded %+v", got)
	}
}

// The list previews what v shows: an Avro or Protobuf body as JSON, decoded from the registry's cache on
// the UI goroutine; a schema not fetched yet says so until a command fetched it; what cannot be decoded
// says why, muted, then its first bytes.
func TestListPreviewsDecodedBodies(t *testing.T) {
	reg := srfix.Start(t)
	client, err := decode.NewRegistry(reg.URL())
	if err != nil {
		t.Fatal(err)
	}
	order := srfix.OrderTypes(t).Messages().Get(0)
	proto := srfix.Wire(srfix.ProtoOrderID, []int{0}, srfix.ProtoPayload(t, order, `{"id":"o-7","total":{"cents":5,"currency":"EUR"}}`))
	v := newBrowser(t, ordersTopic, 10)
	v.c.Registry = client
	v.SetSize(220, 12)
	v.add([]backends.Message{message(0, 1, "p", string(proto)), message(0, 2, "j", `{"plain": "json"}`),
		message(0, 3, "u", string(srfix.Wire(srfix.UnknownSchemaID, nil, []byte("xyz"))))})
	s := screenOf(v)
	if !strings.Contains(s, "not decoded: schema id 2: schema not fetched yet · hex 00 00 00 00 02") ||
		!strings.Contains(s, `{"plain": "json"}`) || reg.Requests.Load() != 0 {
		t.Fatalf("before the fetch (%d requests):\n%s", reg.Requests.Load(), s)
	}
	settle(v, v.fetchSchemas())
	s = screenOf(v)
	if !strings.Contains(s, `{"id":"o-7","total":{"cents":5,"currency":"EUR"}}`) ||
		!strings.Contains(s, "not decoded: schema id 99: the schema registry says:") {
		t.Fatalf("after the fetch:\n%s", s)
	}

	// Without a registry, a wire-format body says it needs one.
	bare := newBrowser(t, ordersTopic, 10)
	bare.SetSize(220, 12)
	bare.add([]backends.Message{message(0, 1, "p", string(proto))})
	if s := screenOf(bare); !strings.Contains(s, "not decoded: Confluent wire format, schema id 2; no schema registry configured · hex") {
		t.Fatalf("without a registry:\n%s", s)
	}
}

// runTasks runs cmd one step, as the shell would: the tasks it asks for v are run and their results
// applied; what those return to do next is handed back, not run (a wake-up waits on a timer).
func runTasks(v common.View, cmd tea.Cmd) []tea.Cmd {
	if cmd == nil {
		return nil
	}
	var next []tea.Cmd
	switch m := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range m {
			next = append(next, runTasks(v, c)...)
		}
	case common.TaskMsg:
		if m.View == v.ID() {
			next = append(next, m.Run(context.Background(), nil)())
		}
	}
	return next
}

// After a schema registry outage the previews of what the browser holds come back by themselves: the
// browser asks again once the registry's cache lets the outage go, for the schemas it could not fetch
// and for those of messages that came during it (not asked then: the registry was known not to answer).
// They kept the outage's error, then "schema not fetched yet", until a new message, a where or ctrl+r.
func TestPreviewsComeBackAfterARegistryOutage(t *testing.T) {
	reg := srfix.Start(t)
	var down atomic.Bool
	down.Store(true)
	reg.Intercept(func(w http.ResponseWriter, _ *http.Request) bool {
		if !down.Load() {
			return false
		}
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close() // no answer at all, as a registry that is not there
		}
		return true
	})
	const retryAfter = 300 * time.Millisecond
	client, err := decode.NewRegistryWith(reg.URL(), decode.RegistryOptions{Timeout: time.Second, RetryAfter: retryAfter})
	if err != nil {
		t.Fatal(err)
	}
	order := srfix.OrderTypes(t).Messages().Get(0)
	proto := srfix.Wire(srfix.ProtoOrderID, []int{0}, srfix.ProtoPayload(t, order, `{"id":"o-7","total":{"cents":5,"currency":"EUR"}}`))
	v := newBrowser(t, ordersTopic, 10)
	v.c.Registry = client
	v.SetSize(220, 12)

	arrive := func(m backends.Message) []tea.Cmd { // as a batch arrives (onBatch)
		v.add([]backends.Message{m})
		return runTasks(v, v.fetchSchemas())
	}
	wake := arrive(message(0, 1, "p", string(proto)))
	if s := screenOf(v); !strings.Contains(s, "not decoded: schema id 2: the schema registry did not answer") {
		t.Fatalf("during the outage:\n%s", s)
	}
	asked := reg.Requests.Load()
	// A message that needs another schema comes while the registry is known to be down: not asked now.
	wake = append(wake, arrive(message(0, 2, "j", string(srfix.Wire(srfix.JSONOrderID, nil, []byte(`{"id":"j-1","qty":2}`)))))...)
	if n := reg.Requests.Load(); n != asked {
		t.Fatalf("asked a registry known to be down %d more times", n-asked)
	}
	if s := screenOf(v); strings.Count(s, "did not answer") != 2 {
		t.Fatalf("both previews should say the registry did not answer:\n%s", s)
	}

	down.Store(false) // the registry is back; nothing new arrives
	start := time.Now()
	for _, c := range wake {
		settle(v, c)
	}
	s := screenOf(v)
	if !strings.Contains(s, `{"id":"o-7","total":{"cents":5,"currency":"EUR"}}`) || !strings.Contains(s, `{"id":"j-1","qty":2}`) ||
		strings.Contains(s, "not decoded") {
		t.Fatalf("after the outage, with nothing new arriving:\n%s", s)
	}
	if waited := time.Since(start); waited > 5*retryAfter {
		t.Errorf("asked again %s after the registry was back, with a %s retry", waited, retryAfter)
	}
}

// A schema fetched elsewhere (the detail view's decode, a where check) has the previews made again: they
// are made from the registry's cache, and follow it.
func TestPreviewsFollowSchemasFetchedElsewhere(t *testing.T) {
	reg := srfix.Start(t)
	client, err := decode.NewRegistry(reg.URL())
	if err != nil {
		t.Fatal(err)
	}
	v := newBrowser(t, ordersTopic, 10)
	v.c.Registry = client
	v.SetSize(220, 12)
	v.add([]backends.Message{message(0, 1, "j", string(srfix.Wire(srfix.JSONOrderID, nil, []byte(`{"id":"j-1","qty":2}`))))})
	if s := screenOf(v); !strings.Contains(s, "schema not fetched yet") {
		t.Fatalf("before any fetch:\n%s", s)
	}
	if _, err := client.ByID(context.Background(), srfix.JSONOrderID); err != nil { // as the detail view would
		t.Fatal(err)
	}
	if s := screenOf(v); !strings.Contains(s, `{"id":"j-1","qty":2}`) {
		t.Fatalf("the schema is in the cache, the preview should show it:\n%s", s)
	}
}
