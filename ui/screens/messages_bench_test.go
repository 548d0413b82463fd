package screens

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/mqscope/mqscope/backends"
)

// A full browser: 10,000 held messages, one in fifty a 5 MiB body (held cut), the rest small JSON.
func fullBrowser(b *testing.B) *browser {
	b.Helper()
	v := newBrowser(&testing.T{}, ordersTopic, 10_000)
	huge := bytes.Repeat([]byte("x"), 5<<20)
	ms := orders(0, 10_000)
	for i := range ms {
		if i%50 == 0 {
			ms[i].Body = huge
		}
	}
	for i := 0; i < len(ms); i += batchMax {
		deliver(v, ms[i:min(i+batchMax, len(ms))]...)
	}
	return v
}

// One frame of the list, cursor moving: the cost of a screen, whatever is held.
func BenchmarkBrowserFrame(b *testing.B) {
	v := fullBrowser(b)
	b.ResetTimer()
	for i := range b.N {
		if i%2 == 0 {
			v.table.PageUp()
		} else {
			v.table.PageDown()
		}
		_ = v.View()
	}
}

// One keystroke of the filter over 10,000 held messages.
func BenchmarkBrowserFilterKeystroke(b *testing.B) {
	v := fullBrowser(b)
	b.ResetTimer()
	for i := range b.N {
		v.SetFilter(fmt.Sprintf("cust-%d", i%10))
	}
}

func BenchmarkBrowserFilterRegexKeystroke(b *testing.B) {
	v := fullBrowser(b)
	b.ResetTimer()
	for i := range b.N {
		v.SetFilter(fmt.Sprintf(`re:"total":%d\d*\.50`, i%10))
	}
}

// Taking in a batch of 500 while the window is full (the oldest go).
func BenchmarkBrowserBatch(b *testing.B) {
	v := fullBrowser(b)
	batch := orders(10_000, batchMax)
	b.ResetTimer()
	for range b.N {
		deliver(v, batch...)
	}
}

// A frame of the detail of a 5 MiB body, scrolled into the middle.
func BenchmarkDetailFrameOfHugeBody(b *testing.B) {
	v := newBrowser(&testing.T{}, ordersTopic, 10)
	deliver(v, backends.Message{Partition: 0, Offset: 1, Body: bytes.Repeat([]byte(`{"k":"v"},`), 5<<20/10)})
	d := openDetail(&testing.T{}, v, 120, 40)
	d.scroll(len(d.rows) / 2)
	b.ResetTimer()
	for range b.N {
		_ = d.View()
	}
}

// Setting a where expression over a full browser: every held message evaluated once, in commands off
// Update (run here one after the other, as the shell would).
func BenchmarkBrowserSetWhere(b *testing.B) {
	v := fullBrowser(b)
	b.ResetTimer()
	for range b.N {
		settle(v, v.setWhere("value.total > 15000"))
	}
}

// What Update itself spends on w over a full browser: the checking is only started.
func BenchmarkBrowserSetWhereUpdate(b *testing.B) {
	v := fullBrowser(b)
	b.ResetTimer()
	for range b.N {
		_ = v.setWhere("value.total > 15000")
	}
}
