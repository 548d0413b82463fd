package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/backends"
)

// What a write needs to know of the topics it writes to, looked up once a run: Send's call and Move's
// run share it, so that both ride out a cluster that briefly does not answer (lookUp) and both refuse a
// target the same way.

// targetCache keeps what one run (a Send call, a Move) looked up of its targets; a run nearly always
// has one. A target is looked up once a run: its partitions and size limit hold for the whole run.
type targetCache struct {
	last     *sendTarget
	lastName string
	lastX    *string
	all      map[backends.Target]*sendTarget
	// waiting, when set, is told every notice while a look-up waits for the cluster, how long it has
	// waited: a move's progress says so. A Send's caller times its own wait, look-up and all.
	waiting func(time.Duration)
	notice  time.Duration
}

func (c *targetCache) get(ctx context.Context, b *Backend, t backends.Target) (*sendTarget, error) {
	if c.last != nil && c.lastName == t.Destination && c.lastX == t.Exchange {
		return c.last, nil
	}
	key := backends.Target{Destination: t.Destination, Exchange: t.Exchange}
	d, ok := c.all[key]
	if !ok {
		found, err := c.lookUp(ctx, b, t)
		if err != nil {
			return nil, err
		}
		if c.all == nil {
			c.all = make(map[backends.Target]*sendTarget)
		}
		d = &found
		c.all[key] = d
	}
	c.last, c.lastName, c.lastX = d, t.Destination, t.Exchange
	return d, nil
}

// lookUp is b.lookUp, telling waiting how long it has waited while that goes on.
func (c *targetCache) lookUp(ctx context.Context, b *Backend, t backends.Target) (sendTarget, error) {
	if c.waiting != nil {
		defer tellWhileWaiting(cmp.Or(c.notice, backends.DefaultNotice), c.waiting)()
	}
	return b.lookUp(ctx, t)
}

// tellWhileWaiting tells every notice how long it has been, until the stop it returns is called. Once
// stop has returned, tell is not called again: the waiter's own reports never overlap it.
func tellWhileWaiting(notice time.Duration, tell func(time.Duration)) (stop func()) {
	began := time.Now()
	done, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		tick := time.NewTicker(notice)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				tell(time.Since(began))
			}
		}
	}()
	return func() { close(done); <-ended }
}

// sendTarget is what a write needs to know of a target, looked up once a run.
type sendTarget struct {
	partitions int32
	limit      int   // the largest batch the topic takes; 0: unknown
	err        error // why nothing can go there: the topic does not exist, or it is not a topic
}

func (d *sendTarget) partition(b *Backend, t backends.Target, key []byte) (int32, error) {
	if d.err != nil {
		return 0, d.err
	}
	return b.choosePartition(t, key, d.partitions)
}

// lookUp finds t's partitions and size limit. While the cluster does not answer (a partition, a broker
// restarting) it asks again until ctx ends: no message is failed for a link that may come back, and the
// caller says how long it waits.
func (b *Backend) lookUp(ctx context.Context, t backends.Target) (sendTarget, error) {
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		d, err := await(ctx, func() (sendTarget, error) {
			n, err := b.partitionCount(t)
			if errors.Is(err, backends.ErrNotFound) || errors.Is(err, sarama.ErrTopicAuthorizationFailed) { // asking again will not help
				return sendTarget{err: err}, nil
			}
			if err != nil {
				return sendTarget{}, err
			}
			limit, err := b.maxBatchBytes(t.Destination)
			return sendTarget{partitions: n, limit: limit}, err
		})
		if err == nil || ctx.Err() != nil {
			return d, err
		}
		b.forgetMetadata()
		sleep(ctx, wait)
	}
}

// partitionCount says how many partitions t's topic has. Its error wraps backends.ErrNotFound when the
// topic does not exist or t is not a topic at all: asking again would not help.
func (b *Backend) partitionCount(t backends.Target) (int32, error) {
	if t.Exchange != nil {
		return 0, backends.NotFound("%s: exchanges are RabbitMQ's; a Kafka target is a topic", t.Label())
	}
	_, tm, err := b.topicMetadata(nil, t.Destination)
	if errors.Is(err, backends.ErrNotFound) {
		return 0, backends.NotFound("topic %q does not exist (mqscope creates no topics)", t.Destination)
	}
	if err == nil && tm.Err != sarama.ErrNoError {
		err = tm.Err // not authorized to see it, its leaders being elected, ...
	}
	if err == nil && len(tm.Partitions) == 0 {
		err = errors.New("the cluster lists no partitions for it")
	}
	if err != nil {
		return 0, fmt.Errorf("topic %q: %w", t.Destination, err)
	}
	return int32(len(tm.Partitions)), nil
}
