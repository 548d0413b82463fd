// Package sqs is the Amazon SQS adapter, through github.com/aws/aws-sdk-go-v2/service/sqs, with the
// standard AWS credential chain (environment, shared config and credentials files, profiles, SSO, the
// instance or task role).
//
// SQS has no browse: every ReceiveMessage raises a message's ApproximateReceiveCount, and a redrive
// policy moves a message to its dead-letter queue once that count passes maxReceiveCount. So a peek here
// costs something, says so first (PeekEffects), and never leaves a message closer to its dead-letter
// queue than one receive short of the limit (see peek.go).
//
// A message maps onto backends.Message as: its body, its message attributes as headers (binary ones as
// their bytes), its SentTimestamp as its time, ApproximateReceiveCount as DeliveryCount, and the rest of
// what SQS says of it (id, FIFO group and deduplication id, the queue a dead letter came from) in
// Message.SQS.
package sqs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"
	smithylog "github.com/aws/smithy-go/logging"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/redact"
)

// Config says how to reach SQS.
type Config struct {
	Region   string // "" takes the profile's or AWS_REGION
	Profile  string // "" takes AWS_PROFILE or the default profile
	Endpoint string // an SQS-compatible server (an emulator, a VPC endpoint); "" is AWS's own for the region
	// Timeout bounds connecting and each call; 0 means 10 s.
	Timeout time.Duration
}

const defaultTimeout = 10 * time.Second

// Backend is a client of SQS in one region and account.
type Backend struct {
	client  *sqs.Client
	region  string
	where   string // "region" or the endpoint, for messages
	timeout time.Duration

	mu   sync.Mutex
	urls map[string]string // queue name → URL, learned from listings and lookups
}

var (
	_ backends.DestinationLister = (*Backend)(nil)
	_ backends.Peeker            = (*Backend)(nil)
	_ backends.PeekAdvisor       = (*Backend)(nil)
	_ backends.Publisher         = (*Backend)(nil)
	_ backends.Purger            = (*Backend)(nil)
	_ backends.Mover             = (*Backend)(nil)
)

// Open loads the AWS configuration (credential chain, profile, region) and makes one cheap call, so that a
// wrong endpoint or refused credentials show at once, in one line.
func Open(ctx context.Context, cfg Config) (*Backend, error) {
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithLogger(sdkLog)}
	if cfg.Region != "" {
		opts = append(opts, awsconfig.WithRegion(cfg.Region))
	}
	if cfg.Profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(cfg.Profile))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("sqs: load the AWS configuration: %s (check the profile name and ~/.aws/config)",
			redact.Text(oneLine(err.Error())))
	}
	if awsCfg.Region == "" && cfg.Endpoint != "" {
		awsCfg.Region = "us-east-1" // an emulator takes any region; the SDK wants one to sign with
	}
	if awsCfg.Region == "" {
		return nil, fmt.Errorf("sqs: no region: give sqs: {region: ...} in the context, or set AWS_REGION")
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	b := &Backend{region: awsCfg.Region, where: "region " + awsCfg.Region, timeout: timeout, urls: map[string]string{}}
	b.client = sqs.NewFromConfig(awsCfg, func(o *sqs.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
			b.where = redact.URL(cfg.Endpoint)
		}
		// A retried send could put a message twice; movers and publishers decide themselves what to retry.
		o.RetryMaxAttempts = 1
	})
	c, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if _, err := b.client.ListQueues(c, &sqs.ListQueuesInput{MaxResults: aws.Int32(1)}); err != nil {
		return nil, b.connectError(err)
	}
	return b, nil
}

// sdkLog takes what the AWS SDK would print on stderr ("SDK 2026/12/05 22:38:53 WARN falling back to
// IMDSv1: ..." while the credential chain asks the instance metadata service) into mqscope's log, so
// that the terminal keeps one line per error.
var sdkLog = smithylog.LoggerFunc(func(c smithylog.Classification, format string, v ...any) {
	level := slog.LevelDebug
	if c == smithylog.Warn {
		level = slog.LevelWarn
	}
	slog.Log(context.Background(), level, "aws sdk: "+fmt.Sprintf(format, v...))
})

// connectError names what failed on connecting, in one line, without secrets.
func (b *Backend) connectError(err error) error {
	if isAuth(err) {
		detail := redact.Text(apiMessage(err))
		if noCredentials(err) {
			detail = "no AWS credentials found (environment, ~/.aws files, SSO cache, instance or task role)"
		}
		return &backends.ConnectError{Kind: backends.SQS, Address: b.where, Cause: backends.ErrAuth,
			Detail: detail,
			Hint:   "check the credentials: AWS_PROFILE or sqs.profile, AWS_ACCESS_KEY_ID, or `aws sso login`"}
	}
	return backends.Unreachable(backends.SQS, b.where, errors.New(apiMessage(err)))
}

// authCodes are the error codes SQS and the credential chain give for refused or missing credentials.
var authCodes = []string{"InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException",
	"AccessDenied", "AccessDeniedException", "ExpiredToken", "InvalidSecurity", "MissingAuthenticationToken",
	"IncompleteSignature", "InvalidAccessKeyId"}

func isAuth(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		for _, c := range authCodes {
			if ae.ErrorCode() == c {
				return true
			}
		}
	}
	return noCredentials(err)
}

// noCredentials is the credential chain's failure to find any credentials at all.
func noCredentials(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "failed to retrieve credentials") || strings.Contains(msg, "get credentials:") ||
		strings.Contains(msg, "no EC2 IMDS role found")
}

// apiMessage is the heart of an SDK error: the service's code and message, or the network's complaint,
// without the SDK's "operation error SQS: X, https response error StatusCode: ..." wrapping.
func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if ae.ErrorMessage() == "" {
			return ae.ErrorCode()
		}
		return ae.ErrorCode() + ": " + oneLine(ae.ErrorMessage())
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return oneLine(ne.Error())
	}
	return oneLine(err.Error())
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// opError wraps a failed call with what was being done, in one line.
func (b *Backend) opError(what string, err error) error {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", what, err)
	case isAuth(err):
		return fmt.Errorf("%s: %w", what, b.connectError(err))
	case isCode(err, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"):
		return backends.NotFound("%s: the queue does not exist in %s", what, b.where)
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return fmt.Errorf("%s: %w", what, backends.Unreachable(backends.SQS, b.where, errors.New(apiMessage(err))))
	}
	return fmt.Errorf("%s: %s", what, redact.Text(apiMessage(err)))
}

func isCode(err error, codes ...string) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, c := range codes {
		if ae.ErrorCode() == c {
			return true
		}
	}
	return false
}

// Identity is the region (or endpoint) the client talks to; SQS tells no version.
func (b *Backend) Identity(context.Context) (backends.Identity, error) {
	return backends.Identity{Kind: backends.SQS, Version: "SQS API 2012-11-05", Cluster: b.where,
		Nodes: []backends.Node{{ID: b.region, Address: b.where}}}, nil
}

// Close does nothing: the SDK's HTTP client needs no closing.
func (b *Backend) Close() error { return nil }

// call bounds one SDK call by the backend's timeout.
func (b *Backend) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, b.timeout)
}

// queueURL is the URL of queue name, looked up once.
func (b *Backend) queueURL(ctx context.Context, name string) (string, error) {
	b.mu.Lock()
	u, ok := b.urls[name]
	b.mu.Unlock()
	if ok {
		return u, nil
	}
	c, cancel := b.call(ctx)
	defer cancel()
	out, err := b.client.GetQueueUrl(c, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		if isCode(err, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue") {
			return "", backends.NotFound("queue %q does not exist in %s", name, b.where)
		}
		return "", b.opError("look up queue "+name, err)
	}
	b.remember(name, *out.QueueUrl)
	return *out.QueueUrl, nil
}

func (b *Backend) remember(name, url string) {
	b.mu.Lock()
	b.urls[name] = url
	b.mu.Unlock()
}

// nameOf is the queue name at the end of a queue URL or ARN.
func nameOf(urlOrARN string) string {
	if i := strings.LastIndexAny(urlOrARN, "/:"); i >= 0 {
		return urlOrARN[i+1:]
	}
	return urlOrARN
}

// isFIFO says whether a queue is FIFO: SQS requires their names to end in .fifo.
func isFIFO(name string) bool { return strings.HasSuffix(name, ".fifo") }
