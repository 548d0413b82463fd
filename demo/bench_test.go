package demo

import (
	"context"
	"testing"
)

// BenchmarkStart measures starting and seeding a still demo cluster.
func BenchmarkStart(b *testing.B) {
	for b.Loop() {
		c, err := Start(context.Background(), Options{Still: true})
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}

// BenchmarkStartWith2000Topics measures the start behind `mqscope demo --serve --topics 2000`.
func BenchmarkStartWith2000Topics(b *testing.B) {
	for b.Loop() {
		c, err := Start(context.Background(), Options{Still: true, ExtraTopics: 2000})
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}
