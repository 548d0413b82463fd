package screens

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/decode"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/body"
	"github.com/mqscope/mqscope/ui/components/table"
)

// messageFields is everything about a message but its body, escaped: where it sits, key, size, delivery,
// where a dead letter came from, AMQP properties, and the headers in their order.
func messageFields(m backends.Message, size int, kind backends.DestinationKind) []mfield {
	var fs []mfield
	add := func(label, value string, tone table.Tone) {
		fs = append(fs, mfield{label: label, value: value, tone: tone})
	}
	section := func(title string) { fs = append(fs, mfield{label: title, section: true}) }

	switch {
	case m.MQTT != nil: // MQTT has no offsets
		add("topic", sanitize.Line(m.Destination), table.Normal)
		add("QoS", strconv.Itoa(m.MQTT.QoS), table.Normal)
		add("retained", map[bool]string{true: "yes, the topic's retained message", false: "no, it arrived live"}[m.MQTT.Retained], table.Normal)
	case kind == backends.Topic:
		add("partition", strconv.Itoa(int(m.Partition)), table.Normal)
		add("offset", present.Int(m.Offset), table.Normal)
	case kind == backends.Queue:
		add("position", present.Int(m.Offset), table.Normal)
	default:
		add("offset", present.Int(m.Offset), table.Normal)
	}
	if !m.Timestamp.IsZero() {
		label := "time"
		if m.MQTT != nil {
			label = "received" // MQTT carries no time: it is when mqscope got it
		}
		add(label, fullTime(m.Timestamp), table.Normal)
	}
	if len(m.Key) > 0 {
		label := "key"
		if kind != backends.Topic {
			label = "routing key"
		}
		add(label, fieldText(m.Key), table.Normal)
	}
	add("size", sizeText(size), table.Normal)
	if m.Properties != nil || m.Redelivered {
		add("redelivered", map[bool]string{true: "yes", false: "no"}[m.Redelivered],
			map[bool]table.Tone{true: table.Warn, false: table.Normal}[m.Redelivered])
	}
	if m.DeliveryCount > 0 {
		add("delivery count", present.Int(m.DeliveryCount), table.Warn)
	}
	// Where a dead letter came from matters more than how its headers spell it: it comes first.
	origin := m.Origin
	if origin == nil {
		origin = backends.ParseOrigin(m.Headers)
	}
	if origin != nil {
		section("dead letter · " + sanitize.Line(string(origin.Convention)))
		fs = append(fs, originFields(origin)...)
	}
	if p := m.Properties; p != nil {
		if props := propertyFields(p); len(props) > 0 {
			section("properties")
			fs = append(fs, props...)
		}
	}
	if len(m.Headers) > 0 {
		section(fmt.Sprintf("headers (%d)", len(m.Headers)))
		for _, h := range m.Headers {
			add(sanitize.Bytes(body.Cut([]byte(h.Key), 256)), fieldText(h.Value)+numberHint(h.Value), table.Normal)
		}
	}
	return fs
}

func propertyFields(p *backends.Properties) []mfield {
	var fs []mfield
	add := func(label, value string) {
		if value != "" {
			fs = append(fs, mfield{label: label, value: sanitize.Line(value)})
		}
	}
	add("content type", p.ContentType)
	add("content encoding", p.ContentEncoding)
	switch p.DeliveryMode {
	case 1:
		add("delivery mode", "1 (transient)")
	case 2:
		add("delivery mode", "2 (persistent)")
	}
	if p.Priority > 0 {
		add("priority", strconv.Itoa(int(p.Priority)))
	}
	add("correlation id", p.CorrelationID)
	add("reply to", p.ReplyTo)
	add("expiration", p.Expiration)
	add("message id", p.MessageID)
	if !p.Timestamp.IsZero() {
		add("timestamp", fullTime(p.Timestamp))
	}
	add("type", p.Type)
	add("user id", p.UserID)
	add("app id", p.AppID)
	add("exchange", p.Exchange)
	add("routing key", p.RoutingKey)
	return fs
}

func originFields(o *backends.Origin) []mfield {
	var fs []mfield
	add := func(label, value string, tone table.Tone) {
		fs = append(fs, mfield{label: label, value: value, tone: tone})
	}
	add("from", sanitize.Line(o.Destination), table.Normal)
	if o.Partition != nil {
		add("partition", strconv.Itoa(int(*o.Partition)), table.Normal)
	}
	if o.Offset != nil {
		add("offset", present.Int(*o.Offset), table.Normal)
	}
	if !o.Timestamp.IsZero() {
		add("time", fullTime(o.Timestamp), table.Normal)
	}
	if o.Group != "" {
		add("group", sanitize.Line(o.Group), table.Normal)
	}
	if o.Convention == backends.RabbitXDeath {
		add("exchange", exchangeName(o.Exchange), table.Normal)
	}
	if len(o.RoutingKeys) > 0 {
		add("routing keys", sanitize.Line(strings.Join(o.RoutingKeys, ", ")), table.Normal)
	}
	if o.Reason != "" {
		add("reason", sanitize.Line(o.Reason), table.Warn)
	}
	if o.Count > 0 {
		add("count", present.Int(o.Count), table.Normal)
	}
	if o.Exception != "" {
		add("exception", fieldText([]byte(o.Exception)), table.Bad)
	}
	if len(o.Deaths) > 1 {
		for i, d := range o.Deaths {
			add(fmt.Sprintf("death %d", i+1), sanitize.Line(fmt.Sprintf("%s · %s · %d× · %s", d.Queue, d.Reason, d.Count,
				fullTime(d.Time))), table.Muted)
		}
	}
	return fs
}

// numberHint reads a 4- or 8-byte binary header value as the big-endian number Java clients write there
// (Spring's kafka_dlt-original-offset), next to its bytes.
func numberHint(b []byte) string {
	if decode.IsText(b) {
		return ""
	}
	switch len(b) {
	case 4:
		return fmt.Sprintf("  (int32 %d)", int32(binary.BigEndian.Uint32(b)))
	case 8:
		return fmt.Sprintf("  (int64 %d)", int64(binary.BigEndian.Uint64(b)))
	}
	return ""
}

func exchangeName(x string) string {
	if x == "" {
		return "(default)"
	}
	return sanitize.Line(x)
}

// fieldText is a key or header value for the pane: its first fieldBytes, escaped but for its line breaks,
// with its size when cut.
func fieldText(b []byte) string {
	cut := body.Cut(b, fieldBytes)
	s := sanitize.Block(string(cut))
	if len(cut) < len(b) {
		s += fmt.Sprintf(" … (%s bytes in all)", present.Int(int64(len(b))))
	}
	return s
}

func fullTime(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("2006-01-02 15:04:05.000 UTC")
}

// copyBody puts a body on the clipboard through the terminal (OSC 52, base64: no byte of it reaches the
// terminal raw) and says how much went. A terminal never answers OSC 52, and some drop it (tmux unless
// set-clipboard is on, many terminals above a size): the flash says where it went, not that it arrived.
func copyBody(body []byte, size int) tea.Cmd {
	if size == 0 {
		return common.Flash(common.FlashInfo, "the body is empty: nothing to copy")
	}
	text := fmt.Sprintf("sent %s bytes to the terminal's clipboard", present.Int(int64(len(body))))
	if len(body) < size {
		text = fmt.Sprintf("sent the first %s of %s bytes (all the browser holds) to the terminal's clipboard",
			present.Int(int64(len(body))), present.Int(int64(size)))
	}
	text += " (tmux: set -g set-clipboard on)"
	return tea.Batch(tea.SetClipboard(string(body)), common.Flash(common.FlashInfo, text))
}

// sizeText is a message's size for people, with the exact count where that rounds it ("1.2 KiB (1,234
// bytes)"); under a KiB the bytes are exact already ("283 B", not "283 B (283 bytes)").
func sizeText(size int) string {
	if size < 1024 {
		return present.Bytes(size)
	}
	return fmt.Sprintf("%s (%s bytes)", present.Bytes(size), present.Int(int64(size)))
}
