package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/present"
)

const (
	// connectTimeout bounds connecting, so that an unreachable broker is reported within 10 s.
	connectTimeout = 8 * time.Second
	// requestTimeout bounds one listing once connected.
	requestTimeout = 30 * time.Second
)

// resolve reads the config file and picks the context the flags, environment and file say. It does so
// once per run, so that the file's warnings are said once.
func (a *app) resolve() (config.Context, *config.File, error) {
	if a.resolved == nil {
		c, file, err := a.readAndPick()
		a.resolved = &resolution{c, file, err}
		if err == nil {
			a.announce(file.Warnings(c.Name))
		}
	}
	r := a.resolved
	return r.context, r.file, r.err
}

type resolution struct {
	context config.Context
	file    *config.File
	err     error
}

func (a *app) readAndPick() (config.Context, *config.File, error) {
	file, err := config.Read(a.configPath)
	if err != nil {
		return config.Context{}, nil, err
	}
	// Key bindings are the TUI's, but a mistake in them is a mistake in the file, whatever the command.
	if err := a.deps.CheckUI(file); err != nil {
		return config.Context{}, nil, err
	}
	c, err := file.Resolve(a.flags)
	if errors.Is(err, config.ErrNoContext) {
		return config.Context{}, nil, usageError{noContextError(file)}
	}
	return c, file, err
}

// noContextError says why nothing was picked: a file with contexts only lacks a current one, and being
// told to add a context to it sends the user the wrong way.
func noContextError(file *config.File) error {
	if len(file.Contexts) > 0 {
		return fmt.Errorf("%s has contexts (%s) but none is current: pick one with --context NAME or $%s, "+
			"or make one current with `mqscope ctx NAME`", file.Path, strings.Join(file.Names(), ", "), config.EnvContext)
	}
	return fmt.Errorf("no broker given: use "+brokerFlags+", add a context to %s, or try `mqscope demo`", file.Path)
}

// connect opens the session of the resolved context and reports what it cannot do.
func (a *app) connect(ctx context.Context) (*actions.Session, error) {
	c, _, err := a.resolve()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	s, err := actions.Connect(ctx, a.deps.Open, c)
	if err != nil {
		var ce *backends.ConnectError
		if !errors.As(err, &ce) && errors.Is(err, context.DeadlineExceeded) {
			// The opener gave up without saying where: say it.
			err = backends.Unreachable(backends.Kind(c.Kind()), c.Address(), fmt.Errorf("no answer within %s", connectTimeout))
		}
		return nil, err
	}
	a.warnDegraded(s, "")
	return s, nil
}

// warnDegraded says what the connection cannot do, each warning after prefix. A warning about lost
// listing waits for the command to end: a command that lists fails with an error that gives the same
// reason, and saying it twice (as a warning, then as the error) reads like two problems.
func (a *app) warnDegraded(s *actions.Session, prefix string) {
	lost := s.Lost(backends.Listing)
	for _, w := range backends.WarningsOf(s.Backend()) {
		if lost != nil && strings.Contains(w, lost.Error()) {
			a.held = append(a.held, heldWarning{text: prefix + w, reason: lost.Error()})
			continue
		}
		a.warn("warning: " + prefix + w)
	}
}

// heldWarning is a warning printed when the command ends, unless its error already gave the reason.
type heldWarning struct{ text, reason string }

// flushHeld prints the held warnings that failure, the command's error (nil if none), does not repeat.
func (a *app) flushHeld(failure error) {
	for _, h := range a.held {
		if failure == nil || !strings.Contains(failure.Error(), h.reason) {
			a.warn("warning: " + h.text)
		}
	}
	a.held = nil
}

// withSession connects, runs fn with a bounded context, and closes the connection.
func (a *app) withSession(ctx context.Context, fn func(context.Context, *actions.Session) error) error {
	s, err := a.connect(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	return fn(ctx, s)
}

// withBackend is withSession for commands that only read.
func (a *app) withBackend(ctx context.Context, fn func(context.Context, backends.Backend) error) error {
	return a.withSession(ctx, func(ctx context.Context, s *actions.Session) error { return fn(ctx, s.Backend()) })
}

// refuseReadOnly refuses the mutation v before connecting when the resolved context is read-only.
func (a *app) refuseReadOnly(v actions.Verb) error {
	c, _, err := a.resolve()
	if err != nil {
		return err
	}
	return actions.CheckReadOnly(c, v)
}

// words are the connected broker's names for groups, partitions and offsets, for table headings (JSON keeps
// its own): STREAM rather than TOPIC on Redis. Kafka's where no context resolves.
func (a *app) words() present.Words { return present.WordsFor(a.kind()) }
