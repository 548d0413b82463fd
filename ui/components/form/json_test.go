package form

import "testing"

func TestJSONErrorsPointWhereTheyAreTyped(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"a": 1}`, ""},
		{`{"id": {{seq}}, "u": "{{uuid}}", "t": "{{now}}"}`, ""}, // valid once expanded
		{"{\n  \"a\": 1,\n  \"b\": }", "line 3, column 8: invalid character '}' looking for beginning of value"},
		// The error is after templates of other lengths than their expansions: still where it was typed.
		{`{"u": "{{uuid}}", "n": {{seq}}, "t": "{{now}}" "x"}`, `line 1, column 48: invalid character '"' after object key:value pair`},
		{"{\"naïve\": \"café\" x}", "line 1, column 18: invalid character 'x' after object key:value pair"},
		{`{"a": [1, 2`, "line 1, column 12: the JSON ends too soon (a bracket, brace or quote is not closed)"},
		{`{"id": {{seq}}x}`, "line 1, column 15: invalid character 'x' after object key:value pair"},
		{`{"id": {{uuid}}}`, "line 1, column 8: invalid character 'a' looking for beginning of value"},
	} {
		err := CheckJSON(tc.body)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.body, got, tc.want)
		}
	}
}
