package cli

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
)

// completionTimeout bounds a suggestion that asks the broker: a shell waits for it on every Tab, so a
// dead or slow broker costs this once and offers nothing rather than hanging the prompt.
const completionTimeout = 2 * time.Second

// names lists what a completion offers from a live broker.
type names func(context.Context, *actions.Session) ([]string, error)

// destinationNames are the topics, queues and streams (not the broker's own).
func destinationNames(ctx context.Context, s *actions.Session) ([]string, error) {
	dests, err := actions.ListDestinations(ctx, s.Backend(), backends.ListOptions{})
	var out []string
	for _, d := range dests {
		out = append(out, d.Name)
	}
	return out, err
}

// groupNames are the consumer groups.
func groupNames(ctx context.Context, s *actions.Session) ([]string, error) {
	groups, err := actions.ListGroups(ctx, s.Backend())
	var out []string
	for _, g := range groups {
		out = append(out, g.Name)
	}
	return out, err
}

// laggards are what `lag` takes: consumer groups where the broker measures their lag, else its queues.
func laggards(ctx context.Context, s *actions.Session) ([]string, error) {
	if s.Allows(actions.VerbLag) {
		return groupNames(ctx, s)
	}
	return destinationNames(ctx, s)
}

// addCompletions gives every command that names something on the broker its suggestions: the
// destinations, groups and contexts there are, asked for when the shell completes.
func (a *app) addCompletions(root *cobra.Command) {
	root.RegisterFlagCompletionFunc("context", a.contextNames)
	positional := map[string]cobra.CompletionFunc{
		"peek": a.complete(destinationNames), "purge": a.complete(destinationNames),
		"publish": a.complete(destinationNames), "replay": a.complete(destinationNames),
		"redrive": a.complete(destinationNames), "reset-offsets": a.complete(groupNames),
		"lag": a.completeEvery(laggards), "ctx": a.contextNames,
		"pending": a.complete(destinationNames, groupNames), "dead-letter": a.complete(destinationNames, groupNames),
		"claim": a.complete(destinationNames, groupNames),
	}
	flags := map[string]map[string]names{
		"replay": {"to": destinationNames}, "redrive": {"to": destinationNames},
		"reset-offsets": {"topic": destinationNames}, "dead-letter": {"to": destinationNames},
	}
	for _, cmd := range root.Commands() {
		if f, ok := positional[cmd.Name()]; ok {
			cmd.ValidArgsFunction = f
		}
		for flag, kind := range flags[cmd.Name()] {
			cmd.RegisterFlagCompletionFunc(flag, a.completeFlag(kind))
		}
	}
}

// complete suggests, for the positional arguments in order, what each kind of name offers (a command with
// fewer kinds than arguments offers nothing after them).
func (a *app) complete(positional ...names) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) >= len(positional) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return a.suggest(positional[len(args)], toComplete)
	}
}

// completeEvery offers the same kind of name for every positional argument, leaving out those given.
func (a *app) completeEvery(kind names) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		got, directive := a.suggest(kind, toComplete)
		return slices.DeleteFunc(got, func(n cobra.Completion) bool { return slices.Contains(args, n) }), directive
	}
}

// completeFlag offers a kind of name for a flag's value.
func (a *app) completeFlag(kind names) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return a.suggest(kind, toComplete)
	}
}

// suggest connects to the context the flags and config pick, silently (nothing on stderr: the shell would
// print it under the prompt), and offers the names that start with prefix; on any failure it offers none.
func (a *app) suggest(kind names, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	limit := a.deps.CompletionTimeout
	if limit <= 0 {
		limit = completionTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	found := make(chan []string, 1)
	go func() { found <- a.brokerNames(ctx, kind) }()
	select {
	case all := <-found:
		return withPrefix(all, prefix), cobra.ShellCompDirectiveNoFileComp
	case <-ctx.Done():
		// An opener or a list that ignores its deadline does not hold the shell: it is left behind,
		// and ends with the process.
		cobra.CompDebugln("mqscope: no suggestions: the broker did not answer in "+limit.String(), false)
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
}

func (a *app) brokerNames(ctx context.Context, kind names) []string {
	c, _, err := a.readAndPick()
	if err != nil {
		cobra.CompDebugln("mqscope: no suggestions: "+err.Error(), false)
		return nil
	}
	s, err := actions.Connect(ctx, a.deps.Open, c)
	if err != nil {
		cobra.CompDebugln("mqscope: no suggestions: "+err.Error(), false)
		return nil
	}
	defer s.Close()
	all, err := kind(ctx, s)
	if err != nil {
		cobra.CompDebugln("mqscope: no suggestions: "+err.Error(), false)
	}
	return all
}

// contextNames offers the config file's contexts; no broker is asked.
func (a *app) contextNames(_ *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	file, err := config.Read(a.configPath)
	if err != nil {
		cobra.CompDebugln("mqscope: no suggestions: "+err.Error(), false)
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var all []string
	for _, c := range file.Contexts {
		all = append(all, c.Name)
	}
	return withPrefix(all, prefix), cobra.ShellCompDirectiveNoFileComp
}

func withPrefix(all []string, prefix string) []cobra.Completion {
	var out []cobra.Completion
	for _, n := range all {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
