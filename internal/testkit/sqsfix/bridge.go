package sqsfix

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Admiral-Piett/goaws/app"
	"github.com/Admiral-Piett/goaws/app/gosqs"
)

// bridge serves SQS's JSON protocol (what aws-sdk-go-v2 speaks since service/sqs 1.27) in front of
// goaws 0.4.5, the version on the module proxy, which speaks only the older query protocol: each call is
// turned into goaws's form request, answered by goaws's own handler, and its XML answer turned back into
// JSON. Where goaws 0.4.5 gives answers real SQS would not, the bridge corrects them from goaws's own
// store (see the package doc for the list), so that tests exercise SQS's semantics, not goaws's gaps.
//
// goaws reads its global queue map without taking its lock in several handlers, so every call, and the
// visibility timer that goaws would run in a goroutine of its own, runs under one mutex here.
type bridge struct {
	mu      sync.Mutex
	region  string
	account string
	purged  map[string]time.Time // when each queue was last purged, for SQS's 60 s rule
	// from names the queue each dead letter was moved from, by message id: SQS tells it in the message
	// attribute DeadLetterQueueSourceArn, goaws keeps no record of it.
	from map[string]string
	// received counts the messages ReceiveMessage handed out, by queue name: receives SQS counts.
	received map[string]int
	// Message move tasks (movetask.go), by source queue (oldest first) and by handle.
	tasks    map[string][]*moveTask
	byHandle map[string]*moveTask
	stop     chan struct{}
}

// view is one endpoint of the bridge: the emulator with message move tasks, or without them (as goaws
// itself, and servers like it, answer), so that both ways of a redrive can be tested.
type view struct {
	b         *bridge
	moveTasks bool
}

// moveTaskOps are the calls that exist only where the emulator offers message move tasks.
var moveTaskOps = map[string]bool{"StartMessageMoveTask": true, "ListMessageMoveTasks": true, "CancelMessageMoveTask": true}

// handlers are goaws's query-protocol handlers the bridge forwards to.
var handlers = map[string]http.HandlerFunc{
	"CreateQueue":             gosqs.CreateQueue,
	"DeleteQueue":             gosqs.DeleteQueue,
	"GetQueueUrl":             gosqs.GetQueueUrl,
	"ListQueues":              gosqs.ListQueues,
	"SetQueueAttributes":      gosqs.SetQueueAttributes,
	"SendMessage":             gosqs.SendMessage,
	"ReceiveMessage":          gosqs.ReceiveMessage,
	"DeleteMessage":           gosqs.DeleteMessage,
	"ChangeMessageVisibility": gosqs.ChangeMessageVisibility,
	"PurgeQueue":              gosqs.PurgeQueue,
}

type object = map[string]any

// apiError is an SQS error as the JSON protocol carries it.
type apiError struct {
	status int
	code   string // the shape name: QueueDoesNotExist, PurgeQueueInProgress, ...
	msg    string
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func (v view) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
	var in object
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, &apiError{http.StatusBadRequest, "InvalidParameterValue", "body is not JSON: " + err.Error()})
		return
	}
	if moveTaskOps[op] && !v.moveTasks {
		unknownAction(w)
		return
	}
	out, err := v.b.call(op, in)
	if errors.Is(err, errUnknownAction) {
		unknownAction(w)
		return
	}
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	json.NewEncoder(w).Encode(out)
}

func writeError(w http.ResponseWriter, err error) {
	e, ok := err.(*apiError)
	if !ok {
		e = &apiError{http.StatusInternalServerError, "InternalError", err.Error()}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(e.status)
	json.NewEncoder(w).Encode(object{"__type": "com.amazonaws.sqs#" + e.code, "message": e.msg})
}

// call answers one operation. ReceiveMessage's long poll waits outside the mutex.
func (b *bridge) call(op string, in object) (object, error) {
	if op == "ReceiveMessage" {
		return b.receive(in)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch op {
	case "GetQueueAttributes":
		return b.queueAttributes(in)
	case "ListDeadLetterSourceQueues":
		return b.deadLetterSources(in)
	case "PurgeQueue":
		return b.purge(in)
	case "SendMessageBatch":
		return b.batch(in, "SendMessage", func(e object) object {
			q := object{"QueueUrl": in["QueueUrl"]}
			for k, v := range e {
				q[k] = v
			}
			return q
		})
	case "DeleteMessageBatch", "ChangeMessageVisibilityBatch":
		return b.batch(in, strings.TrimSuffix(op, "Batch"), func(e object) object {
			e["QueueUrl"] = in["QueueUrl"]
			return e
		})
	case "ChangeMessageVisibility":
		return b.changeVisibility(in)
	case "SendMessage":
		if err := checkBody(in); err != nil {
			return nil, err
		}
		return b.forward(op, in)
	case "CreateQueue", "DeleteQueue", "GetQueueUrl", "ListQueues", "SetQueueAttributes", "DeleteMessage":
		return b.forward(op, in)
	case "StartMessageMoveTask":
		return b.startMoveTask(in)
	case "ListMessageMoveTasks":
		return b.listMoveTasks(in)
	case "CancelMessageMoveTask":
		return b.cancelMoveTask(in)
	}
	return nil, errUnknownAction
}

// errUnknownAction is a call neither goaws nor the bridge has: goaws's own router answers it.
var errUnknownAction = errors.New("unknown action")

// unknownAction answers an action as goaws 0.4.5's router answers an action it does not have: 400 with the plain
// text "Bad Request" (which aws-sdk-go-v2 cannot read as a JSON error). Written here rather than by
// goaws's router: the router links goaws's SNS package, whose init makes an RSA key in every program
// that links it, mqscope included (50-300 ms of CPU at the start of every command, GODEBUG=inittrace=1).
func unknownAction(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = io.WriteString(w, "Bad Request")
}

// checkBody refuses what SQS refuses and goaws takes: characters outside #x9 | #xA | #xD | #x20-#xD7FF |
// #xE000-#xFFFD | #x10000-#x10FFFF (goaws would store them and then fail to write its XML answer).
func checkBody(in object) error {
	body, _ := in["MessageBody"].(string)
	for _, r := range body {
		if r == 0x9 || r == 0xA || r == 0xD || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 {
			continue
		}
		return &apiError{http.StatusBadRequest, "InvalidMessageContents",
			fmt.Sprintf("Invalid characters found. Deleted message body: character %U", r)}
	}
	return nil
}

// forward hands one call to goaws and turns its XML answer into the JSON one. The caller holds b.mu.
func (b *bridge) forward(op string, in object) (object, error) {
	form := url.Values{"Action": {op}}
	flatten(form, in)
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	handlers[op](rec, req)
	if rec.Code != http.StatusOK {
		return nil, xmlError(rec)
	}
	return decode(op, rec.Body.Bytes())
}

// flatten writes a JSON request as the query protocol's form: maps of attributes as Attribute.N.Name and
// .Value, message attributes as MessageAttribute.N.Name and .Value.*, lists as Name.N.
func flatten(form url.Values, in object) {
	for k, v := range in {
		switch val := v.(type) {
		case map[string]any:
			prefix := strings.TrimSuffix(k, "s")
			for i, name := range sortedKeys(val) {
				form.Set(fmt.Sprintf("%s.%d.Name", prefix, i+1), name)
				switch av := val[name].(type) {
				case map[string]any:
					for f, fv := range av {
						form.Set(fmt.Sprintf("%s.%d.Value.%s", prefix, i+1, f), fmt.Sprint(fv))
					}
				default:
					form.Set(fmt.Sprintf("%s.%d.Value", prefix, i+1), fmt.Sprint(av))
				}
			}
		case []any:
			for i, item := range val {
				form.Set(fmt.Sprintf("%s.%d", strings.TrimSuffix(k, "s"), i+1), fmt.Sprint(item))
			}
		case float64:
			form.Set(k, strconv.FormatFloat(val, 'f', -1, 64))
		default:
			form.Set(k, fmt.Sprint(val))
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// xmlError turns goaws's XML error into the JSON protocol's, with the shape names the SDK knows.
func xmlError(rec *httptest.ResponseRecorder) error {
	var er app.ErrorResponse
	if err := xml.Unmarshal(rec.Body.Bytes(), &er); err != nil || er.Result.Code == "" {
		return &apiError{rec.Code, "InvalidParameterValue", strings.TrimSpace(rec.Body.String())}
	}
	code := er.Result.Type
	switch er.Result.Code {
	case "AWS.SimpleQueueService.NonExistentQueue":
		code = "QueueDoesNotExist"
	case "AWS.SimpleQueueService.MessageNotInFlight":
		code = "MessageNotInflight"
	}
	if er.Result.Type == "Not Found" && code != "QueueDoesNotExist" {
		code = "ReceiptHandleIsInvalid"
	}
	return &apiError{rec.Code, strings.ReplaceAll(code, " ", ""), er.Result.Message}
}

// decode turns goaws's XML answer to op into the JSON one.
func decode(op string, body []byte) (object, error) {
	switch op {
	case "CreateQueue":
		var r app.CreateQueueResponse
		err := xml.Unmarshal(body, &r)
		return object{"QueueUrl": r.Result.QueueUrl}, err
	case "GetQueueUrl":
		var r app.GetQueueUrlResponse
		err := xml.Unmarshal(body, &r)
		return object{"QueueUrl": r.Result.QueueUrl}, err
	case "ListQueues":
		var r app.ListQueuesResponse
		err := xml.Unmarshal(body, &r)
		sort.Strings(r.Result.QueueUrl)
		return object{"QueueUrls": r.Result.QueueUrl}, err
	case "SendMessage":
		var r app.SendMessageResponse
		err := xml.Unmarshal(body, &r)
		out := object{"MessageId": r.Result.MessageId, "MD5OfMessageBody": r.Result.MD5OfMessageBody}
		if r.Result.MD5OfMessageAttributes != "" {
			out["MD5OfMessageAttributes"] = r.Result.MD5OfMessageAttributes
		}
		if r.Result.SequenceNumber != "" {
			out["SequenceNumber"] = r.Result.SequenceNumber
		}
		return out, err
	case "ReceiveMessage":
		var r app.ReceiveMessageResponse
		if err := xml.Unmarshal(body, &r); err != nil {
			return nil, err
		}
		msgs := make([]object, 0, len(r.Result.Message))
		for _, m := range r.Result.Message {
			msgs = append(msgs, message(m))
		}
		return object{"Messages": msgs}, nil
	}
	return object{}, nil
}

func message(m *app.ResultMessage) object {
	out := object{"MessageId": m.MessageId, "ReceiptHandle": m.ReceiptHandle, "MD5OfBody": m.MD5OfBody,
		"Body": string(m.Body)}
	if len(m.MessageAttributes) > 0 {
		attrs := object{}
		for _, a := range m.MessageAttributes {
			v := object{"DataType": a.Value.DataType}
			if a.Value.BinaryValue != "" {
				v["BinaryValue"] = a.Value.BinaryValue
			} else {
				v["StringValue"] = a.Value.StringValue
			}
			attrs[a.Name] = v
		}
		out["MessageAttributes"] = attrs
		out["MD5OfMessageAttributes"] = m.MD5OfMessageAttributes
	}
	return out
}

// one answers one entry of a batch as the single call would be answered.
func (b *bridge) one(op string, in object) (object, error) {
	switch op {
	case "SendMessage":
		if err := checkBody(in); err != nil {
			return nil, err
		}
	case "ChangeMessageVisibility":
		return b.changeVisibility(in)
	}
	return b.forward(op, in)
}

// batch runs a batch call as single calls, each entry answered on its own.
func (b *bridge) batch(in object, op string, single func(object) object) (object, error) {
	entries, _ := in["Entries"].([]any)
	ok, failed := []object{}, []object{}
	for _, e := range entries {
		entry, _ := e.(map[string]any)
		id := entry["Id"]
		delete(entry, "Id")
		out, err := b.one(op, single(entry))
		if err != nil {
			ae, _ := err.(*apiError)
			failed = append(failed, object{"Id": id, "Code": ae.code, "Message": ae.msg, "SenderFault": true})
			continue
		}
		out["Id"] = id
		ok = append(ok, out)
	}
	return object{"Successful": ok, "Failed": failed}, nil
}

func queueName(in object) string {
	u, _ := in["QueueUrl"].(string)
	return u[strings.LastIndex(u, "/")+1:]
}

func (b *bridge) queue(in object) (*app.Queue, error) {
	q, ok := app.SyncQueues.Queues[queueName(in)]
	if !ok {
		return nil, &apiError{http.StatusBadRequest, "QueueDoesNotExist", "The specified queue does not exist."}
	}
	return q, nil
}

func (b *bridge) arn(name string) string {
	return "arn:aws:sqs:" + b.region + ":" + b.account + ":" + name
}

// queueAttributes answers from goaws's store: goaws 0.4.5 counts in-flight messages as visible, has no
// delayed count, names a dead-letter queue by name rather than ARN and reports a redrive policy on every
// queue.
func (b *bridge) queueAttributes(in object) (object, error) {
	q, err := b.queue(in)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var visible, inFlight, delayed int
	for i := range q.Messages {
		m := &q.Messages[i]
		switch {
		case m.ReceiptHandle != "":
			inFlight++
		case now.Before(m.SentTime.Add(time.Duration(m.DelaySecs) * time.Second)):
			delayed++
		default:
			visible++
		}
	}
	attrs := map[string]string{
		"QueueArn":                              b.arn(q.Name),
		"ApproximateNumberOfMessages":           strconv.Itoa(visible),
		"ApproximateNumberOfMessagesNotVisible": strconv.Itoa(inFlight),
		"ApproximateNumberOfMessagesDelayed":    strconv.Itoa(delayed),
		"VisibilityTimeout":                     strconv.Itoa(q.TimeoutSecs),
		"DelaySeconds":                          strconv.Itoa(q.DelaySecs),
		"ReceiveMessageWaitTimeSeconds":         strconv.Itoa(q.ReceiveWaitTimeSecs),
		"MaximumMessageSize":                    strconv.Itoa(max(q.MaximumMessageSize, 262144)),
		"MessageRetentionPeriod":                "345600",
		"CreatedTimestamp":                      "0",
		"LastModifiedTimestamp":                 "0",
	}
	if q.DeadLetterQueue != nil && q.MaxReceiveCount > 0 {
		attrs["RedrivePolicy"] = fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":%d}`,
			b.arn(q.DeadLetterQueue.Name), q.MaxReceiveCount)
	}
	if q.IsFIFO {
		attrs["FifoQueue"] = "true"
		attrs["ContentBasedDeduplication"] = "false"
	}
	if names, _ := in["AttributeNames"].([]any); len(names) > 0 && !contains(names, "All") {
		for k := range attrs {
			if !contains(names, k) {
				delete(attrs, k)
			}
		}
	}
	return object{"Attributes": attrs}, nil
}

func contains(list []any, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// deadLetterSources is ListDeadLetterSourceQueues, which goaws does not have.
func (b *bridge) deadLetterSources(in object) (object, error) {
	dlq, err := b.queue(in)
	if err != nil {
		return nil, err
	}
	urls := []string{}
	for _, q := range app.SyncQueues.Queues {
		if q.DeadLetterQueue == dlq {
			urls = append(urls, q.URL)
		}
	}
	sort.Strings(urls)
	return object{"queueUrls": urls}, nil
}

// purge adds SQS's rule that goaws lacks: one purge per queue per 60 seconds.
func (b *bridge) purge(in object) (object, error) {
	name := queueName(in)
	if t, ok := b.purged[name]; ok && time.Since(t) < PurgeInterval {
		return nil, &apiError{http.StatusForbidden, "PurgeQueueInProgress", fmt.Sprintf(
			"Only one PurgeQueue operation on %s is allowed every 60 seconds.", name)}
	}
	out, err := b.forward("PurgeQueue", in)
	if err == nil {
		b.purged[name] = time.Now()
	}
	return out, err
}

// PurgeInterval is how long after a purge SQS refuses the next one on the same queue. Tests may shorten it.
var PurgeInterval = 60 * time.Second

// changeVisibility forwards, then unlocks the message group of a FIFO message made visible again, which
// goaws 0.4.5 forgets (its group would stay locked until another group is received).
func (b *bridge) changeVisibility(in object) (object, error) {
	q, err := b.queue(in)
	if err != nil {
		return nil, err
	}
	handle, _ := in["ReceiptHandle"].(string)
	group, id := "", ""
	for _, m := range q.Messages {
		if m.ReceiptHandle == handle {
			group, id = m.GroupID, m.Uuid
		}
	}
	out, err := b.forward("ChangeMessageVisibility", in)
	if err == nil && fmt.Sprint(in["VisibilityTimeout"]) == "0" {
		q.UnlockGroup(group)
		if dlq := q.DeadLetterQueue; dlq != nil && id != "" && len(dlq.Messages) > 0 && dlq.Messages[len(dlq.Messages)-1].Uuid == id {
			b.from[id] = q.Name
		}
	}
	return out, err
}

// receive polls goaws without its own wait (which would hold the mutex) until a message comes or the
// request's WaitTimeSeconds pass, then corrects what goaws 0.4.5 reports: ApproximateReceiveCount (always
// 1 there: it counts receives in Retry, one behind), SentTimestamp (the time of the receive there), the
// FIFO attributes it leaves out, and the visibility timeout asked for (ignored there).
func (b *bridge) receive(in object) (object, error) {
	wait, _ := in["WaitTimeSeconds"].(float64)
	deadline := time.Now().Add(time.Duration(wait * float64(time.Second)))
	fwd := object{"QueueUrl": in["QueueUrl"], "MaxNumberOfMessages": in["MaxNumberOfMessages"]}
	if fwd["MaxNumberOfMessages"] == nil {
		delete(fwd, "MaxNumberOfMessages")
	}
	for {
		out, n, err := b.receiveOnce(in, fwd)
		if err != nil || n > 0 || !time.Now().Before(deadline) {
			return out, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *bridge) receiveOnce(in, fwd object) (object, int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	q, err := b.queue(in)
	if err != nil {
		return nil, 0, err
	}
	wait := q.ReceiveWaitTimeSecs
	q.ReceiveWaitTimeSecs = 0 // the bridge waits, outside the mutex
	defer func() { q.ReceiveWaitTimeSecs = wait }()
	if !q.IsFIFO {
		out, err := b.forward("ReceiveMessage", fwd)
		if err != nil {
			return nil, 0, err
		}
		msgs := out["Messages"].([]object)
		for _, m := range msgs {
			b.correct(q, m, in["VisibilityTimeout"])
		}
		b.received[q.Name] += len(msgs)
		return out, len(msgs), nil
	}
	out, n, err := b.receiveFIFO(q, in, fwd)
	b.received[q.Name] += n
	return out, n, err
}

// receiveFIFO takes one message at a time, showing goaws only the messages of groups with nothing in
// flight. goaws 0.4.5 keeps one locked group per queue (locking another unlocks the first), and it marks a
// message of a locked group in flight before it finds the group locked and skips it: that message would
// vanish until its visibility timeout passed. So a FIFO receive here returns at most one message per
// group, where SQS may return several of one group, in order.
func (b *bridge) receiveFIFO(q *app.Queue, in, fwd object) (object, int, error) {
	limit := 1
	if n, ok := in["MaxNumberOfMessages"].(float64); ok {
		limit = int(n)
	}
	fwd["MaxNumberOfMessages"] = 1.0
	var msgs []object
	for range limit {
		m, err := b.receiveOneFIFO(q, fwd)
		if err != nil || m == nil {
			return object{"Messages": msgs}, len(msgs), err
		}
		b.correct(q, m, in["VisibilityTimeout"])
		msgs = append(msgs, m)
	}
	return object{"Messages": msgs}, len(msgs), nil
}

func (b *bridge) receiveOneFIFO(q *app.Queue, fwd object) (object, error) {
	busy := map[string]bool{}
	for _, m := range q.Messages {
		if m.ReceiptHandle != "" {
			busy[m.GroupID] = true
		}
	}
	all := q.Messages
	var shown []app.Message
	var at []int
	for i, m := range all {
		if m.ReceiptHandle == "" && !busy[m.GroupID] {
			shown, at = append(shown, m), append(at, i)
		}
	}
	q.Messages, q.FIFOMessages = shown, map[string]int{}
	out, err := b.forward("ReceiveMessage", fwd)
	for j, i := range at {
		all[i] = shown[j]
	}
	q.Messages = all
	if err != nil {
		return nil, err
	}
	if got := out["Messages"].([]object); len(got) > 0 {
		return got[0], nil
	}
	return nil, nil
}

func (b *bridge) correct(q *app.Queue, m object, visibility any) {
	for i := range q.Messages {
		sm := &q.Messages[i]
		if sm.ReceiptHandle != m["ReceiptHandle"] {
			continue
		}
		if v, ok := visibility.(float64); ok {
			sm.VisibilityTimeout = time.Now().Add(time.Duration(v) * time.Second)
		}
		attrs := map[string]string{
			"ApproximateReceiveCount":          strconv.Itoa(sm.Retry + 1),
			"SentTimestamp":                    strconv.FormatInt(sm.SentTime.UnixMilli(), 10),
			"ApproximateFirstReceiveTimestamp": strconv.FormatInt(sm.ReceiptTime.UnixMilli(), 10),
			"SenderId":                         b.account,
		}
		if src, ok := b.from[sm.Uuid]; ok {
			attrs["DeadLetterQueueSourceArn"] = b.arn(src)
		}
		if q.IsFIFO {
			attrs["MessageGroupId"] = sm.GroupID
			if sm.DeduplicationID != "" {
				attrs["MessageDeduplicationId"] = sm.DeduplicationID
			}
		}
		m["Attributes"] = attrs
	}
}

// tick is goaws's PeriodicTasks, under the bridge's mutex: messages whose visibility timeout passed
// become visible again, counting a receive, and go to the dead-letter queue past maxReceiveCount;
// deduplication ids older than 5 minutes are forgotten.
func (b *bridge) tick() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
		}
		b.mu.Lock()
		now := time.Now()
		for _, q := range app.SyncQueues.Queues {
			for id, at := range q.Duplicates {
				if now.After(at.Add(app.DeduplicationPeriod)) {
					delete(q.Duplicates, id)
				}
			}
			kept := q.Messages[:0]
			for _, m := range q.Messages {
				if m.ReceiptHandle != "" && m.VisibilityTimeout.Before(now) {
					q.UnlockGroup(m.GroupID)
					m.ReceiptHandle, m.ReceiptTime = "", now
					m.Retry++
					if q.MaxReceiveCount > 0 && q.DeadLetterQueue != nil && m.Retry > q.MaxReceiveCount {
						q.DeadLetterQueue.Messages = append(q.DeadLetterQueue.Messages, m)
						b.from[m.Uuid] = q.Name
						continue
					}
				}
				kept = append(kept, m)
			}
			q.Messages = kept
		}
		b.mu.Unlock()
	}
}
