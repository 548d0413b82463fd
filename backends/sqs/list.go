package sqs

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"golang.org/x/sync/errgroup"

	"github.com/mqscope/mqscope/backends"
)

const (
	// maxQueues bounds a listing: past that many queues the rest are not listed.
	maxQueues = 10_000
	// parallel is how many queues' attributes are read at once.
	parallel = 8
)

// ListDestinations lists the queues with their approximate visible, in-flight and delayed counts, their
// redrive policy, the source queues of each dead-letter queue and whether they are FIFO: one ListQueues
// per 1,000 queues, one GetQueueAttributes per queue, and one ListDeadLetterSourceQueues per queue that a
// listed queue names as its dead-letter queue.
func (b *Backend) ListDestinations(ctx context.Context, _ backends.ListOptions) ([]backends.Destination, error) {
	urls, err := b.listURLs(ctx)
	if err != nil {
		return nil, err
	}
	dests := make([]backends.Destination, len(urls))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for i, u := range urls {
		g.Go(func() error {
			d, err := b.describe(gctx, u)
			dests[i] = d
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	dests = slices.DeleteFunc(dests, func(d backends.Destination) bool { return d.Name == "" })
	if err := b.addSources(ctx, dests); err != nil {
		return nil, err
	}
	sort.Slice(dests, func(i, j int) bool { return dests[i].Name < dests[j].Name })
	return dests, nil
}

func (b *Backend) listURLs(ctx context.Context) ([]string, error) {
	var urls []string
	p := sqs.NewListQueuesPaginator(b.client, &sqs.ListQueuesInput{MaxResults: aws.Int32(1000)})
	for p.HasMorePages() && len(urls) < maxQueues {
		c, cancel := b.call(ctx)
		page, err := p.NextPage(c)
		cancel()
		if err != nil {
			return nil, b.opError("list queues", err)
		}
		urls = append(urls, page.QueueUrls...)
	}
	for _, u := range urls {
		b.remember(nameOf(u), u)
	}
	return urls, nil
}

// describe reads one queue's attributes. A queue deleted since the listing is left out (Name "").
func (b *Backend) describe(ctx context.Context, url string) (backends.Destination, error) {
	name := nameOf(url)
	c, cancel := b.call(ctx)
	defer cancel()
	out, err := b.client.GetQueueAttributes(c, &sqs.GetQueueAttributesInput{QueueUrl: &url,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil {
		if isCode(err, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue") {
			return backends.Destination{}, nil
		}
		return backends.Destination{}, b.opError("read the attributes of "+name, err)
	}
	return destination(name, out.Attributes), nil
}

// destination maps a queue's attributes onto a Destination; counts SQS did not give are Unknown.
func destination(name string, attrs map[string]string) backends.Destination {
	d := backends.Destination{Name: name, Kind: backends.Queue, Type: "standard", Approximate: true,
		Consumers: backends.Unknown,
		Ready:     count(attrs, "ApproximateNumberOfMessages"),
		Unacked:   count(attrs, "ApproximateNumberOfMessagesNotVisible"),
		Delayed:   count(attrs, "ApproximateNumberOfMessagesDelayed")}
	if attrs["FifoQueue"] == "true" || isFIFO(name) {
		d.Type = "fifo"
		if attrs["ContentBasedDeduplication"] == "true" {
			d.Type = "fifo, content dedup"
		}
	}
	d.Messages = backends.Unknown
	if backends.Known(d.Ready) && backends.Known(d.Unacked) && backends.Known(d.Delayed) {
		d.Messages = d.Ready + d.Unacked + d.Delayed
	}
	d.Redrive = redrivePolicy(attrs["RedrivePolicy"])
	return d
}

func count(attrs map[string]string, key string) int64 {
	n, err := strconv.ParseInt(attrs[key], 10, 64)
	if err != nil {
		return backends.Unknown
	}
	return n
}

// redrivePolicy reads the RedrivePolicy attribute, whose maxReceiveCount SQS writes as a number and some
// tools as text; nil when there is none.
func redrivePolicy(text string) *backends.RedrivePolicy {
	if text == "" {
		return nil
	}
	var p struct {
		Target string          `json:"deadLetterTargetArn"`
		Max    json.RawMessage `json:"maxReceiveCount"`
	}
	if json.Unmarshal([]byte(text), &p) != nil || p.Target == "" {
		return nil
	}
	n, _ := strconv.Atoi(strings.Trim(string(p.Max), `"`))
	return &backends.RedrivePolicy{DeadLetterQueue: nameOf(p.Target), MaxReceiveCount: n}
}

// addSources names the source queues of every listed queue that a listed queue names as its dead-letter
// queue, from SQS itself (ListDeadLetterSourceQueues also finds sources the listing did not reach).
func (b *Backend) addSources(ctx context.Context, dests []backends.Destination) error {
	isDLQ := map[string]bool{}
	for _, d := range dests {
		if d.Redrive != nil {
			isDLQ[d.Redrive.DeadLetterQueue] = true
		}
	}
	for i := range dests {
		if !isDLQ[dests[i].Name] {
			continue
		}
		sources, err := b.sources(ctx, dests[i].Name)
		if err != nil {
			return err
		}
		dests[i].DeadLetterSources = sources
	}
	return nil
}

// sources lists the queues whose redrive policy names dlq, sorted.
func (b *Backend) sources(ctx context.Context, dlq string) ([]string, error) {
	url, err := b.queueURL(ctx, dlq)
	if err != nil {
		return nil, err
	}
	var names []string
	p := sqs.NewListDeadLetterSourceQueuesPaginator(b.client, &sqs.ListDeadLetterSourceQueuesInput{
		QueueUrl: &url, MaxResults: aws.Int32(1000)})
	for p.HasMorePages() {
		c, cancel := b.call(ctx)
		page, err := p.NextPage(c)
		cancel()
		if err != nil {
			return nil, b.opError(fmt.Sprintf("list the source queues of %s", dlq), err)
		}
		for _, u := range page.QueueUrls {
			b.remember(nameOf(u), u)
			names = append(names, nameOf(u))
		}
	}
	sort.Strings(names)
	return names, nil
}

// attributes reads one queue's attributes by name.
func (b *Backend) attributes(ctx context.Context, name string) (backends.Destination, error) {
	url, err := b.queueURL(ctx, name)
	if err != nil {
		return backends.Destination{}, err
	}
	d, err := b.describe(ctx, url)
	if err == nil && d.Name == "" {
		return d, backends.NotFound("queue %q does not exist in %s", name, b.where)
	}
	return d, err
}
