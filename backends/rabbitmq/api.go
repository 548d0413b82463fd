package rabbitmq

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/redact"
	"github.com/mqscope/mqscope/sanitize"
)

const (
	// maxPageSize is the largest page the management API serves.
	maxPageSize = 500
	// pageFetchers is how many pages are fetched at once after the first. The API gathers and sorts the
	// whole listing for every page, so more than a few only queue up on the broker.
	pageFetchers = 4
	// retryPause is how long to wait before asking again after a server error.
	retryPause = 200 * time.Millisecond
	// maxAnswer bounds one decoded answer (a page of 500 queues is about 300 KB).
	maxAnswer = 64 << 20
)

// apiClient makes JSON GET requests to the management HTTP API with basic auth, each bounded by a timeout.
type apiClient struct {
	base       string // scheme://host:port[/prefix], no credentials, no trailing slash
	user, pass string
	http       *http.Client
}

func newAPIClient(base, user, pass string, timeout time.Duration, tc *tls.Config) *apiClient {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc.Clone()
	tr.DialContext = (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext
	tr.ResponseHeaderTimeout = timeout
	tr.MaxIdleConnsPerHost = pageFetchers + 1 // keep the connections of a concurrent page fetch
	return &apiClient{base: base, user: user, pass: pass, http: &http.Client{Transport: tr, Timeout: timeout}}
}

// apiError is a failed management API request: which endpoint, what status, what the API said.
type apiError struct {
	Endpoint string // base and path, without query or credentials
	Status   int    // HTTP status; 0 when no answer came
	Code     string // the API's own error code, e.g. "not_authorized", "page_out_of_range"
	Reason   string // what went wrong, safe to show
	kind     error  // backends.ErrAuth, ErrNotFound, ErrUnreachable, or nil
	cause    error  // the transport's error, when there was no answer
}

func (e *apiError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("management API %s: %s", e.Endpoint, e.Reason)
	}
	return fmt.Sprintf("management API %s: %d %s: %s", e.Endpoint, e.Status, http.StatusText(e.Status), e.Reason)
}

func (e *apiError) Unwrap() []error {
	var errs []error
	for _, err := range []error{e.kind, e.cause} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// segment escapes one path segment of an API request: a name may hold "/" or "%".
func segment(name string) string { return url.PathEscape(name) }

// getOne fetches the object called name from a listing path such as /api/queues/%2F into out, asking only
// for columns; a missing one is an *apiError wrapping backends.ErrNotFound. The API resolves "." and ".."
// in its paths even when escaped, so those two names are found by filtering the listing instead.
func getOne[T any](ctx context.Context, c *apiClient, listing, name, cols string, out *T) error {
	if name != "." && name != ".." {
		return c.get(ctx, listing+"/"+segment(name), columns(cols), out)
	}
	q := url.Values{"pagination": {"true"}, "page": {"1"}, "page_size": {strconv.Itoa(maxPageSize)},
		"name": {"^" + regexp.QuoteMeta(name) + "$"}, "use_regex": {"true"}}
	for k, v := range columns(cols) {
		q[k] = v
	}
	var p page[T]
	if err := c.get(ctx, listing, q, &p); err != nil {
		return err
	}
	if len(p.Items) == 0 {
		return &apiError{Endpoint: c.base + listing, Status: http.StatusNotFound, Reason: "Not Found", kind: backends.ErrNotFound}
	}
	*out = p.Items[0]
	return nil
}

// get fetches base+path?query and decodes the JSON answer into out. path must already be escaped.
// A server error is tried once more after a moment: RabbitMQ 3.10 answers a queue listing with 500 when
// a stream queue is being declared at that instant (its record has no process yet).
func (c *apiClient) get(ctx context.Context, path string, query url.Values, out any) error {
	err := c.getOnce(ctx, path, query, out)
	var aerr *apiError
	if errors.As(err, &aerr) && aerr.Status >= 500 {
		select {
		case <-time.After(retryPause):
			err = c.getOnce(ctx, path, query, out)
		case <-ctx.Done():
		}
	}
	return err
}

func (c *apiClient) getOnce(ctx context.Context, path string, query url.Values, out any) error {
	return c.do(ctx, http.MethodGet, path, query, nil, out)
}

// do sends one request to base+path?query, with body as JSON when not nil, and decodes a JSON answer
// into out when out is not nil. path must already be escaped.
func (c *apiClient) do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	endpoint := c.base + path
	target := endpoint
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var payload io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("management API %s: %w", endpoint, err)
		}
		payload = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, payload)
	if err != nil {
		return fmt.Errorf("management API %s: %w", endpoint, err)
	}
	req.SetBasicAuth(c.user, c.pass)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &apiError{Endpoint: endpoint, Reason: transportReason(err), kind: backends.ErrUnreachable, cause: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return statusError(endpoint, resp)
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxAnswer)).Decode(out); err != nil {
		return fmt.Errorf("management API %s: cannot decode the answer: %w", endpoint, err)
	}
	return nil
}

// transportReason is the transport's complaint without the request URL that net/http repeats in it.
func transportReason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return redact.Text(err.Error())
}

// statusError reads the API's {"error": ..., "reason": ...} answer to a failed request.
func statusError(endpoint string, resp *http.Response) error {
	var body struct{ Error, Reason string }
	_ = json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&body)
	e := &apiError{Endpoint: endpoint, Status: resp.StatusCode, Code: body.Error}
	e.Reason = sanitize.Line(firstNonEmpty(body.Reason, body.Error, "no reason given"))
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		e.kind = backends.ErrAuth
	case http.StatusNotFound:
		e.kind = backends.ErrNotFound
	}
	return e
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// page is one page of a paginated listing.
type page[T any] struct {
	Items     []T `json:"items"`
	PageCount int `json:"page_count"`
	Total     int `json:"total_count"`
}

// getAll fetches every page of a paginated listing. Only the named columns are asked for, to keep pages
// small, and pages come in the API's default order (vhost, name): asking for a sort makes the API gather
// the statistics of every item rather than of one page's (on 3.10 a page of 500 out of 5,000
// queues took 1.9 s instead of 0.25 s).
//
// Pages are offsets into a list that may change between two requests, so an item created or deleted
// meanwhile shifts the rest: one may be missed or seen twice. When the total changed while paging the
// listing is fetched once more; callers drop duplicates.
//
// A negative pageSize asks for everything in one unpaged request instead.
func getAll[T any](ctx context.Context, c *apiClient, path string, columns []string, pageSize int) ([]T, error) {
	if pageSize < 0 {
		var items []T
		err := c.get(ctx, path, url.Values{"columns": {strings.Join(columns, ",")}}, &items)
		return items, err
	}
	items, stable, err := getPages[T](ctx, c, path, columns, pageSize)
	if err == nil && !stable {
		items, _, err = getPages[T](ctx, c, path, columns, pageSize)
	}
	return items, err
}

// getPages fetches the first page, which tells how many there are, then the rest concurrently. stable
// reports whether every page saw the same total.
func getPages[T any](ctx context.Context, c *apiClient, path string, columns []string, pageSize int) (items []T, stable bool, err error) {
	first, err := getPage[T](ctx, c, path, columns, pageSize, 1)
	if err != nil {
		return nil, false, err
	}
	pages := make([]page[T], max(first.PageCount, 1))
	pages[0] = first
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(pageFetchers)
	for n := 2; n <= first.PageCount; n++ {
		g.Go(func() error {
			p, err := getPage[T](gctx, c, path, columns, pageSize, n)
			var aerr *apiError
			if errors.As(err, &aerr) && aerr.Code == "page_out_of_range" {
				p.Total, err = -1, nil // the listing shrank since the first page
			}
			pages[n-1] = p
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, false, err
	}
	stable = true
	for _, p := range pages {
		items = append(items, p.Items...)
		stable = stable && p.Total == first.Total
	}
	return items, stable, nil
}

func getPage[T any](ctx context.Context, c *apiClient, path string, columns []string, pageSize, n int) (page[T], error) {
	q := url.Values{
		"pagination": {"true"},
		"page":       {strconv.Itoa(n)},
		"page_size":  {strconv.Itoa(pageSize)},
		"columns":    {strings.Join(columns, ",")},
	}
	var p page[T]
	err := c.get(ctx, path, q, &p)
	return p, err
}
