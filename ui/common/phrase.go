package common

import (
	"errors"
	"strings"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/redact"
	"github.com/mqscope/mqscope/sanitize"
)

// ErrorLine is err as one line of the TUI: the causes actions/ types said in the TUI's own terms (its
// commands and keys, never the CLI's flags), passwords redacted, nothing raw.
func ErrorLine(err error) string {
	return sanitize.Line(redact.Text(Phrase(err)))
}

// Phrase is err's message with each typed cause from actions/ followed by what to do about it here.
func Phrase(err error) string {
	msg := err.Error()
	var (
		refused  *actions.RefusedError
		notFound *actions.NotFoundError
		body     *actions.BodyError
	)
	switch {
	case errors.As(err, &refused):
		msg = strings.Replace(msg, refused.Error(), refusal(refused), 1)
	case errors.As(err, &notFound):
		msg += listHint
	case errors.As(err, &body):
		msg = strings.Replace(msg, body.Error(), body.Error()+"; fix the body, or change its content type", 1)
	}
	return msg
}

const listHint = " (:queues and :topics list what there is)"

func refusal(r *actions.RefusedError) string {
	switch {
	case errors.Is(r, actions.ErrReadOnly):
		return r.Error() + " (its config or the command line made it so; :ctx switches to a context that can change things, if there is one)"
	case errors.Is(r, actions.ErrNotConnected):
		return r.Error() + " (try again once the header says connected)"
	}
	return r.Error()
}

// NotAvailable says that a broker of this kind cannot do verb at all, and why, in one line short enough
// for an 80-column flash: "not available on Kafka: only MQTT brokers publish their own statistics ($SYS)".
// The generic refusal ("broker statistics refused: …") reads as if a setting forbade it.
func NotAvailable(kind backends.Kind, verb actions.Verb) string {
	if why := verb.Lacks(); why != "" {
		// The broker is named, so "this broker has no …" becomes "it has no …": shorter and plainer.
		why = strings.Replace(why, "this broker ", "it ", 1)
		return "not available on " + BrokerName(kind) + ": " + why
	}
	return string(verb) + " is not available on " + BrokerName(kind)
}

// BrokerName is the kind as its makers write it: "RabbitMQ", "NATS"; "this broker" when unknown.
func BrokerName(kind backends.Kind) string {
	switch kind {
	case backends.Kafka:
		return "Kafka"
	case backends.RabbitMQ:
		return "RabbitMQ"
	case backends.Redis:
		return "Redis"
	case backends.NATS:
		return "NATS"
	case backends.MQTT:
		return "MQTT"
	case backends.SQS:
		return "SQS"
	case "":
		return "this broker"
	}
	return string(kind)
}
