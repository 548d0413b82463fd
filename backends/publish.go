package backends

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrUnroutable is returned for a message the broker accepted but could deliver to no queue (RabbitMQ's
// basic.return under mandatory). Such a message is never counted as delivered.
var ErrUnroutable = errors.New("unroutable: no queue is bound for it")

// Target is where a message goes.
type Target struct {
	// Destination is the topic, or the queue (published through RabbitMQ's default exchange, which
	// reaches exactly that queue).
	Destination string
	// Exchange, when set, publishes to that RabbitMQ exchange with RoutingKey instead of to Destination.
	Exchange   *string
	RoutingKey string
	// Partition pins a Kafka partition; nil partitions by key the way the Java client does (murmur2), or
	// spreads keyless records.
	Partition *int32
	// Trim caps the stream as the message is added (Redis XADD MAXLEN or MINID); nil keeps everything.
	Trim *Trim
	// QoS is the MQTT quality of service: 0 at most once (unacknowledged), 1 at least once, 2 exactly
	// once; nil is 1, the least that the broker acknowledges.
	QoS *int
	// Retain makes the message the MQTT topic's retained one, which every new subscriber is sent first.
	Retain bool
	// Delay keeps an SQS message invisible for that long after it is sent (up to 15 minutes); 0 takes the
	// queue's delay.
	Delay time.Duration
}

// Trim says what a stream keeps as an entry is added: at most MaxLen entries, or none older than MinID.
// Approx lets the server trim only whole nodes (~), which is much cheaper and keeps a few more.
type Trim struct {
	MaxLen int64  // 0: no length cap
	MinID  string // "": no age cap
	Approx bool
}

// Label names a target for reports: the queue or topic, or "exchange X (key K)".
func (t Target) Label() string {
	if t.Exchange != nil {
		x := *t.Exchange
		if x == "" {
			x = "(default)"
		}
		return "exchange " + x + " (key " + t.RoutingKey + ")"
	}
	return t.Destination
}

// Outgoing is one message on its way to a target.
type Outgoing struct {
	Target  Target
	Message Message // Key, Headers, Body, Properties and Timestamp are sent; positions are ignored
}

// Publisher sends messages and waits until the broker has confirmed every one (RabbitMQ publisher
// confirms with mandatory; Kafka acks=all with an idempotent producer).
type Publisher interface {
	// Publish returns one error per message, nil where the broker confirmed it (ErrUnroutable where it
	// was returned), and a batch error when the connection failed and nothing can be said. Once it has
	// returned without a batch error it holds nothing of msgs (a sender fills the slice again).
	Publish(ctx context.Context, msgs []Outgoing) ([]error, error)
}

// PipelinedPublisher is a Publisher that takes more messages while earlier ones wait for their
// confirmations (Kafka: batches fill while requests are out). Send hands msgs over, in order after
// those of earlier calls, and returns the wait for their results, which are what Publish returns; ctx
// bounds both. Once the wait has returned without a batch error, it holds nothing of msgs.
type PipelinedPublisher interface {
	Publisher
	Send(ctx context.Context, msgs []Outgoing) (wait func() ([]error, error), err error)
}

// Router decides where one message goes. An error means it has no target: it stays where it is and is
// reported as kept.
type Router func(Message) (Target, error)

// MoveRequest says what to move.
type MoveRequest struct {
	Source string
	Max    int // 0: everything that was there when the move began
	// Rate caps the messages moved per second (SQS, as its message move tasks take
	// MaxNumberOfMessagesPerSecond); 0 is no cap.
	Rate int
	// Notice is how long a move waits for a broker that does not answer before its progress says so
	// (MoveProgress.Waiting); 0: DefaultNotice.
	Notice time.Duration
}

// DefaultNotice is how long a run goes without an answer from the broker before its progress says so.
const DefaultNotice = 10 * time.Second

// MoveProgress is reported as a move goes on.
type MoveProgress struct {
	Moved, Kept, Failed int64
	Total               int64 // what the source held at the start; 0 when unknown
	// Waiting, when not 0, is how long the move has waited for a broker that does not answer (Kafka: for
	// what its target is), once that is MoveRequest.Notice or more, repeated every Notice while it lasts.
	// The counts are as before the wait.
	Waiting time.Duration
}

// MoveFailure is one message that did not move, and why.
type MoveFailure struct {
	Partition int32
	Offset    int64
	Target    string
	Reason    string
}

// MoveReport is the outcome of a move.
type MoveReport struct {
	// Moved counts letters moved for certain: at their target and gone from the source. Those that may be
	// in both places are in InDoubt, never in Moved too.
	Moved, Kept, Failed int64
	PerTarget           map[string]int64 // moved count per Target.Label()
	Failures            []MoveFailure    // bounded: the first ones
	// InDoubt is how many messages may now be in both places: a move that stopped (a lost connection, a
	// dead broker) had published them to their targets, confirmed or not, and their removal from the source
	// was not yet certain. The source still holds them, so a new run moves them again. 0 when the move
	// ended cleanly. With CommitInDoubt, they are instead the letters of a commit under way (Kafka).
	InDoubt int64
	// CommitInDoubt says the letters in doubt were in a commit that was under way when the move stopped,
	// one that writes them and takes them from the source together (Kafka's transaction with the consumed
	// offsets): they moved or stayed as one, never in both places, and the next move finds which and
	// moves each letter exactly once.
	CommitInDoubt bool
	// InDoubtAtMost says InDoubt is an upper bound, not a count: up to that many may be in both places
	// (RabbitMQ's shovel deleted in the middle of a part hands back what it held, and how much of that it
	// had already published is not known).
	InDoubtAtMost bool
	// Gone is how many of the letters the source held when the move began were gone before it reached them
	// (another consumer or a purge took them): the move ended once the source held none. 0 otherwise.
	Gone int64
}

// InDoubtFigure is how InDoubt reads in a sentence: "up to 1000" for an upper bound, "1000" for a count.
func (r MoveReport) InDoubtFigure(format func(int64) string) string {
	if r.InDoubtAtMost {
		return "up to " + format(r.InDoubt)
	}
	return format(r.InDoubt)
}

// Mover takes messages out of a source and puts them on their targets, acknowledging (RabbitMQ) or
// committing (Kafka, in the same transaction as the writes) each one only after its target confirmed.
// Messages the router cannot place, or that their target refused, stay in the source.
type Mover interface {
	Move(ctx context.Context, req MoveRequest, route Router, progress func(MoveProgress)) (MoveReport, error)
}

// MoveAdvisor is a Mover that moves out of some sources in a way that costs more than usual, and says so
// for a plan (RabbitMQ: a quorum queue whose give-backs count toward a delivery limit is read one letter
// at a time); the notice is empty when the move is as usual.
type MoveAdvisor interface {
	MoveNotice(ctx context.Context, source string) (string, error)
}

// ServerMover hands a move of messages from one queue to one other queue to the broker itself (RabbitMQ:
// a dynamic shovel, as the management UI's "Move messages" makes), which moves them faster than a client
// can, unchanged and in order, acknowledging each only once its target confirmed it. The caller keeps the
// rest: what to move (req.Max, or all the source holds when it begins), progress from the queues' counts,
// cancel (ctx: the broker finishes the part under way, so that every message is in exactly one queue),
// and a check of both queues' counts at the end.
type ServerMover interface {
	ServerMove(ctx context.Context, req MoveRequest, target string, progress func(MoveProgress)) (MoveReport, error)
}

// ServerMoveChecker is a ServerMover that can say before a move (for a dry run) why it would refuse to
// move from source, for what the source is; nil when it would not.
type ServerMoveChecker interface {
	CheckServerMove(ctx context.Context, source string) error
}

// TaskMover is a broker whose dead-letter queues have a move task of their own, run by the server (SQS:
// StartMessageMoveTask), which sends each letter back to the queue it was dead-lettered from, or every
// letter to one destination, and can be watched and cancelled. The caller decides when a plan fits it.
type TaskMover interface {
	// CheckMoveTask says whether a move task of source (to destination; "" sends each letter to its own
	// source) could start now: nil if so; an error wrapping ErrNotSupported where the server offers no move
	// tasks; a *MoveTaskRunningError where one is already under way on source; otherwise why not.
	CheckMoveTask(ctx context.Context, source, destination string) error
	// TaskMove starts the move task and follows it until it ends, reporting progress (Moved and Total as
	// the server counts them). req.Rate caps it; req.Max is not for it (a task moves what source holds when
	// it starts). When ctx ends it cancels the task and waits until the server stopped it: what moved is at
	// its target, the rest still in source. An error wrapping ErrNotSupported when the server refused to
	// start it as not supported: then nothing moved.
	TaskMove(ctx context.Context, req MoveRequest, destination string, progress func(MoveProgress)) (MoveReport, error)
}

// MoveTaskRunningError says that a move task is already under way on a queue, which takes one at a time.
type MoveTaskRunningError struct {
	Source, Handle string
	Moved, ToMove  int64 // SQS's approximate counts
	Started        time.Time
}

func (e *MoveTaskRunningError) Error() string {
	return fmt.Sprintf("a move task started at %s is already under way on %s (about %d of %d moved; task %s)",
		e.Started.UTC().Format("15:04:05Z"), e.Source, e.Moved, e.ToMove, e.Handle)
}

// MoveResumer is implemented by movers that carry on where an earlier move of the same source stopped
// (Kafka: a move commits the dead-letter topic's offsets with its writes, and nothing leaves the topic).
// A plan reads from there, so that a dry run after a completed move shows nothing left to move.
type MoveResumer interface {
	// MoveStart maps every partition of source to the offset the next move reads it from.
	MoveStart(ctx context.Context, source string) (map[int32]int64, error)
}
