package screens

import (
	"context"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/decode"
	"github.com/mqscope/mqscope/internal/testkit/srfix"
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
}
