package cli

import (
	"context"
	"errors"
	"sort"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
)

func (a *app) groupsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "groups",
		Short: "List consumer groups (Kafka, Redis; NATS consumers)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withSession(cmd.Context(), func(ctx context.Context, s *actions.Session) error {
				groups, err := actions.ListGroups(ctx, s.Backend())
				if errors.Is(err, backends.ErrNotSupported) && !s.Allows(actions.VerbBacklog) {
					return errNothingLags
				}
				if errors.Is(err, backends.ErrNotSupported) {
					return errNoGroups
				}
				if err != nil {
					return err
				}
				sort.Slice(groups, func(i, j int) bool { return groups[i].Name < groups[j].Name })
				if err := render(a.deps.Stdout, a.output, groups, columnsOf(present.Worded(present.Groups, a.words())), groupJSON); err != nil {
					return err
				}
				if len(groups) == 0 {
					a.warn(a.noGroups())
				}
				return nil
			})
		},
	}
}

// errNoGroups says where a broker without consumer groups shows its consumers, in place of the generic
// "not supported".
var errNoGroups = errors.New("this broker has no consumer groups: where it counts consumers (queues), they show " +
	"in the CONSUMERS column of `mqscope ls`, and a queue's backlog in `mqscope lag`")

type group = backends.ConsumerGroup

// groupLine is one line of `groups -o json`; every field is always present.
type groupLine struct {
	Group        string   `json:"group"`
	State        string   `json:"state"`
	Members      int      `json:"members"`
	ProtocolType string   `json:"protocol_type"`
	Protocol     string   `json:"protocol"`
	Coordinator  string   `json:"coordinator"`
	Topics       []string `json:"topics"`
	Committed    []commit `json:"committed"` // committed offsets per partition; [] where none
}

type commit struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
}

func groupJSON(g group) any {
	topics := g.Topics
	if topics == nil {
		topics = []string{} // [] rather than null: a group with no topics has an empty list
	}
	committed := make([]commit, len(g.Committed))
	for i, c := range g.Committed {
		committed[i] = commit{Topic: c.Topic, Partition: c.Partition, Offset: c.Offset}
	}
	return groupLine{Group: g.Name, State: g.State, Members: g.Members, ProtocolType: g.ProtocolType,
		Protocol: g.Protocol, Coordinator: g.Coordinator, Topics: topics, Committed: committed}
}

// noGroups is the one line on stderr for a groups or lag listing with no group in it, as ls says an empty
// listing, so that a bare header row does not look like a failure.
func (a *app) noGroups() string {
	switch a.kind() {
	case backends.Redis:
		return "no consumer groups on the streams of this database"
	case backends.NATS:
		return "no durable consumers on any stream"
	}
	return "no consumer groups"
}
