package decode

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// SchemaRef is publish --schema: a subject, at a version (0 for the latest), and for a Protobuf schema
// that declares several message types, the one to write ("" for the first).
type SchemaRef struct {
	Subject string
	Version int
	Message string
}

func (s SchemaRef) String() string {
	out := s.Subject + " (latest)"
	if s.Version > 0 {
		out = s.Subject + ":" + strconv.Itoa(s.Version)
	}
	if s.Message != "" {
		out += " message " + s.Message
	}
	return out
}

// ParseSchemaRef reads SUBJECT[:VERSION][#MESSAGE], VERSION a number or "latest", MESSAGE a Protobuf
// message type (shop.Refund, or Refund when the name is unique; nested ones as shop.Order.Line). Subjects
// may hold colons (schema contexts look like :.ctx:orders-value), so only a last part that is a version is
// taken as one; likewise only a last "#" followed by a type name starts MESSAGE.
func ParseSchemaRef(s string) (SchemaRef, error) {
	var message string
	if i := strings.LastIndexByte(s, '#'); i >= 0 && protoreflect.FullName(s[i+1:]).IsValid() {
		s, message = s[:i], s[i+1:]
	}
	ref, err := parseSubjectVersion(s)
	ref.Message = message
	return ref, err
}

func parseSubjectVersion(s string) (SchemaRef, error) {
	ref := SchemaRef{Subject: s}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		switch v := s[i+1:]; {
		case v == "latest":
			ref.Subject = s[:i]
		case v != "" && strings.Trim(v, "0123456789") == "":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return SchemaRef{}, fmt.Errorf("--schema %q: the version is a number from 1, or latest", s)
			}
			ref.Subject, ref.Version = s[:i], n
		}
	}
	if ref.Subject == "" {
		return SchemaRef{}, fmt.Errorf("--schema %q: want SUBJECT, SUBJECT:VERSION or SUBJECT:VERSION#MESSAGE, like orders-value:3", s)
	}
	return ref, nil
}

// Encode writes a JSON body with the registry's schema for ref, in the Confluent wire format (magic byte,
// the schema's id, the message indexes for Protobuf, the payload), so that consumers with a registry
// deserializer read it. A Protobuf schema's message type is ref.Message, or its first.
func (r *Registry) Encode(ctx context.Context, ref SchemaRef, body []byte) ([]byte, *Schema, error) {
	s, err := r.BySubject(ctx, ref.Subject, ref.Version)
	if err != nil {
		return nil, nil, err
	}
	var payload []byte
	var index []int
	switch {
	case s.proto != nil:
		md, path, merr := s.proto.messageNamed(ref.Message)
		if merr != nil {
			return nil, nil, fmt.Errorf("subject %s: %w", ref, merr)
		}
		index = path
		payload, err = jsonToProto(md, body)
	case ref.Message != "":
		return nil, nil, fmt.Errorf("subject %s: #%s names a Protobuf message type, and the schema is %s", ref, ref.Message, s.TypeName())
	case s.json != nil:
		payload, err = s.json.validate(body)
	default:
		payload, err = jsonToAvro(s.avro, body)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("encode with %s (%s, id %d): %w", ref, s.TypeName(), s.ID, err)
	}
	out, _ := new(sr.ConfluentHeader).AppendEncode(make([]byte, 0, len(payload)+16), s.ID, index)
	return append(out, payload...), s, nil
}
