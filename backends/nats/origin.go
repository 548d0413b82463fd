package nats

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/mqscope/mqscope/backends"
)

// The headers of a message copied out of its stream, by an application or by a stream's republish.
const (
	hdrStream   = "Nats-Stream"
	hdrSubject  = "Nats-Subject"
	hdrSequence = "Nats-Sequence"
	hdrMsgID    = "Nats-Msg-Id"
)

// advisoryTypes are the advisories of a message a consumer gave up on, with the reason each means.
var advisoryTypes = map[string]string{
	"io.nats.jetstream.advisory.v1.max_deliver": "max deliveries",
	"io.nats.jetstream.advisory.v1.terminated":  "terminated",
}

// advisory is what a max-deliveries or terminated advisory says.
type advisory struct {
	Type      string `json:"type"`
	Stream    string `json:"stream"`
	Consumer  string `json:"consumer"`
	StreamSeq uint64 `json:"stream_seq"`
	Delivered int64  `json:"deliveries"`
	Reason    string `json:"reason"`
}

// origin says where a dead letter came from: an advisory names the stream and sequence of the message
// itself; a copy names them in its Nats-* headers; otherwise the conventions every broker shares.
func origin(m backends.Message) *backends.Origin {
	if o := advisoryOrigin(m.Body); o != nil {
		return o
	}
	if o := headerOrigin(m.Headers); o != nil {
		return o
	}
	return backends.ParseOrigin(m.Headers)
}

func advisoryOrigin(body []byte) *backends.Origin {
	if !bytes.Contains(body, []byte("io.nats.jetstream.advisory.v1.")) {
		return nil
	}
	var a advisory
	if json.Unmarshal(body, &a) != nil || advisoryTypes[a.Type] == "" || a.Stream == "" || a.StreamSeq == 0 {
		return nil
	}
	off := int64(a.StreamSeq) - 1
	return &backends.Origin{Convention: backends.NATSAdvisory, Destination: a.Stream, Offset: &off,
		Group: a.Consumer, Reason: advisoryTypes[a.Type], Count: a.Delivered, Exception: a.Reason}
}

func headerOrigin(hs []backends.Header) *backends.Origin {
	stream := headerText(hs, hdrStream)
	if stream == "" {
		return nil
	}
	o := &backends.Origin{Convention: backends.NATSHeaders, Destination: stream}
	if s := headerText(hs, hdrSubject); s != "" {
		o.RoutingKeys = []string{s}
	}
	if seq, err := strconv.ParseUint(headerText(hs, hdrSequence), 10, 64); err == nil && seq > 0 {
		off := int64(seq) - 1
		o.Offset = &off
	}
	return o
}

func headerText(hs []backends.Header, key string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Key, key) {
			return string(h.Value)
		}
	}
	return ""
}
