package decode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// jsonSchema is a compiled JSON Schema (santhosh-tekuri/jsonschema: every draft, kept up), used to check a
// body before publishing it; decoding a JSON Schema body needs no schema, its payload is JSON.
type jsonSchema struct {
	schema *jsonschema.Schema
}

// registryJSONSchema is the URL the registry's schema is compiled under; references keep their names.
const registryJSONSchema = "mqscope://registry/schema.json"

func compileJSONSchema(text string, refs []reference) (*jsonSchema, error) {
	c := jsonschema.NewCompiler()
	add := func(url, text string) error {
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(text))
		if err != nil {
			return fmt.Errorf("the JSON schema %s is not JSON: %w", url, err)
		}
		return c.AddResource(url, doc)
	}
	for _, r := range refs {
		if err := add("mqscope://registry/"+r.name, r.text); err != nil {
			return nil, err
		}
	}
	if err := add(registryJSONSchema, text); err != nil {
		return nil, err
	}
	s, err := c.Compile(registryJSONSchema)
	if err != nil {
		return nil, fmt.Errorf("compile the JSON schema: %w", err)
	}
	return &jsonSchema{schema: s}, nil
}

// validate checks a JSON body against the schema and returns it compact.
func (s *jsonSchema) validate(body []byte) ([]byte, error) {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("the body is not JSON: %w", err)
	}
	if err := s.schema.Validate(v); err != nil {
		return nil, fmt.Errorf("the body does not match the JSON schema: %s", oneLine(err.Error()))
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, body); err != nil {
		return nil, fmt.Errorf("the body is not JSON: %w", err)
	}
	return compact.Bytes(), nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
