package actions

// Ring holds the newest Cap items and forgets older ones, so that browsing or tailing a huge topic holds
// a window, not the topic.
type Ring[T any] struct {
	items []T
	start int // index of the oldest item once full
	cap   int
	Total int64 // how many were ever pushed
}

// NewRing makes a ring of capacity n (at least 1).
func NewRing[T any](n int) *Ring[T] {
	if n < 1 {
		n = 1
	}
	return &Ring[T]{cap: n}
}

// Push adds an item, dropping the oldest when full.
func (r *Ring[T]) Push(v T) {
	r.Total++
	if len(r.items) < r.cap {
		r.items = append(r.items, v)
		return
	}
	r.items[r.start] = v
	r.start = (r.start + 1) % r.cap
}

// Len is how many items are held.
func (r *Ring[T]) Len() int { return len(r.items) }

// Dropped is how many items were forgotten to stay within the capacity.
func (r *Ring[T]) Dropped() int64 { return r.Total - int64(len(r.items)) }

// At returns the i-th held item, oldest first.
func (r *Ring[T]) At(i int) T { return r.items[(r.start+i)%len(r.items)] }
