package kafkafix

import (
	"errors"
	"slices"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// OutageAt makes the cluster drop, connection and all, every Metadata and DescribeConfigs request for
// lasting, from the first DescribeConfigs that asks about topic: what a client sees of brokers
// restarting while it looks a topic up. It returns how many requests it dropped.
func OutageAt(c *kfake.Cluster, topic string, lasting time.Duration) *atomic.Int64 {
	var dropped atomic.Int64
	var ends time.Time // control functions run one at a time
	drop := func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if ends.IsZero() && asksAbout(req, topic) {
			ends = time.Now().Add(lasting)
		}
		if ends.IsZero() {
			return nil, nil, false
		}
		if time.Now().After(ends) {
			c.DropControl()
			return nil, nil, false
		}
		dropped.Add(1)
		return nil, errors.New("outage"), true // the connection closes unanswered
	}
	c.ControlKey(int16(kmsg.DescribeConfigs), drop)
	c.ControlKey(int16(kmsg.Metadata), drop)
	return &dropped
}

// asksAbout says whether req is a DescribeConfigs of topic's configs.
func asksAbout(req kmsg.Request, topic string) bool {
	dc, ok := req.(*kmsg.DescribeConfigsRequest)
	return ok && slices.ContainsFunc(dc.Resources, func(r kmsg.DescribeConfigsRequestResource) bool {
		return r.ResourceName == topic
	})
}
