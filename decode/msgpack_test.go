package decode

import (
	"context"
	"runtime"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// A MessagePack map or array reads as JSON; binary that only starts like one, or has bytes after it, or
// keys JSON cannot hold, stays a hex dump.
func TestMessagePackIsShownAsJSON(t *testing.T) {
	var d Decoder
	order, _ := msgpack.Marshal(map[string]any{"id": 7, "items": []any{"a", 1.5}, "paid": true})
	got := d.Decode(context.Background(), order)
	want := "{\n  \"id\": 7,\n  \"items\": [\n    \"a\",\n    1.5\n  ],\n  \"paid\": true\n}"
	if got.Format != MessagePack || got.Text != want || got.Note == "" {
		t.Errorf("%s %q (%s), want msgpack\n%s", got.Format, got.Text, got.Note, want)
	}
	intKeys, _ := msgpack.Marshal(map[int]string{1: "a"})
	for name, body := range map[string][]byte{
		"truncated":      order[:len(order)-1],
		"trailing bytes": append(append([]byte{}, order...), 0xc1, 0x00),
		"int keys":       intKeys,
		"one byte":       {0x80},
		"not a map":      {0x85, 0xff, 0xfe, 0x00},
	} {
		if got := d.Decode(context.Background(), body); got.Format != Binary {
			t.Errorf("%s: %s %q", name, got.Format, got.Text)
		}
	}
}

// A body that claims a million entries in five bytes is refused before anything is sized by the claim.
func TestMessagePackClaimsCostNothing(t *testing.T) {
	var d Decoder
	claims := []byte{0xdf, 0x00, 0x0f, 0x42, 0x40, 0xa1, 'a', 0xc0} // map32 of 1,000,000, one entry given
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got := d.Decode(context.Background(), claims)
	runtime.ReadMemStats(&after)
	if allocated := after.TotalAlloc - before.TotalAlloc; got.Format != Binary || allocated > 1<<20 {
		t.Errorf("%s, %d bytes allocated", got.Format, allocated)
	}
}
