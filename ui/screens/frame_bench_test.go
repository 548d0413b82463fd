package screens

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/ui/common"
)

// Rendering is windowed: a frame costs what is on screen, not what is held. Compare rows=100 with
// rows=100000 (issue 12 item 4 wants the ratio at most 1.5).

func BenchmarkBrowserFrameRows(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			v := newBrowser(&testing.T{}, ordersTopic, n)
			ms := orders(0, n)
			for i := 0; i < len(ms); i += batchMax {
				deliver(v, ms[i:min(i+batchMax, len(ms))]...)
			}
			v.SetSize(160, 45)
			b.ResetTimer()
			for i := range b.N {
				if i%2 == 0 {
					v.table.PageUp()
				} else {
					v.table.PageDown()
				}
				_ = v.View()
			}
		})
	}
}

func BenchmarkLagFrameRows(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			v := NewLag(common.New(config.Context{Name: "bench"})).(*lagView)
			v.SetSize(160, 45)
			groups := make([]groupReport, n)
			for i := range groups {
				groups[i] = groupReport{Group: fmt.Sprintf("group-%06d", i), State: "Stable", Lag: int64(i), MaxLag: int64(i)}
			}
			v.Model.SetItems(groups, at)
			b.ResetTimer()
			for i := range b.N {
				if i%2 == 0 {
					v.Model.Table().PageUp()
				} else {
					v.Model.Table().PageDown()
				}
				_ = v.View()
			}
		})
	}
}

// Following a topic that receives 5,000 msg/s: each iteration is one second's batches (10 of 500) into a
// browser that follows; the heap after a GC is reported at the end. It must stay flat: the window holds
// c.MaxMessages, and what falls out of it is freed.
func BenchmarkFollowHeld5000PerSecond(b *testing.B) {
	v := newBrowser(&testing.T{}, ordersTopic, 10_000)
	v.follow = true
	seq := 0
	var first uint64
	for i := range b.N {
		for range 10 {
			deliver(v, orders(seq, batchMax)...)
			seq += batchMax
		}
		if i == 9 { // after 10 s, the window is full
			first = heapAfterGC()
		}
	}
	b.ReportMetric(float64(heapAfterGC())/(1<<20), "heap-MiB")
	runtime.KeepAlive(v) // held until measured
	if first > 0 {
		b.ReportMetric(float64(first)/(1<<20), "heap-MiB@10s")
	}
	b.ReportMetric(float64(seq), "msgs")
}

func heapAfterGC() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
