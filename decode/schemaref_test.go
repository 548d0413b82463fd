package decode

import "testing"

// Only a last '#' followed by a Protobuf type name starts MESSAGE: a name cannot start with a digit, so
// "orders#3" is a subject.
func TestParseSchemaRefMessageIsATypeName(t *testing.T) {
	for spec, want := range map[string]SchemaRef{
		"orders#3":               {Subject: "orders#3"},
		"orders#_Private":        {Subject: "orders", Message: "_Private"},
		"orders:2#shop.Order.Li": {Subject: "orders", Version: 2, Message: "shop.Order.Li"},
		"orders#shop..Order":     {Subject: "orders#shop..Order"},
	} {
		if got, err := ParseSchemaRef(spec); err != nil || got != want {
			t.Errorf("%s: %+v %v, want %+v", spec, got, err, want)
		}
	}
}
