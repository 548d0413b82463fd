package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/charmbracelet/x/term"
)

// every runs tick now and then every interval until ctx ends, each tick bounded by requestTimeout. A failed
// tick is reported on stderr and the next one tried, as a watch outlives a broker's hiccups; ending the
// watch (Ctrl-C) is a success.
func (a *app) every(ctx context.Context, interval time.Duration, tick func(context.Context) error) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		tctx, cancel := context.WithTimeout(ctx, requestTimeout)
		err := tick(tctx)
		cancel()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			a.warn(a.phrase(err))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// frame prints one refresh of a watch. JSON Lines simply follow each other; a table is redrawn in place
// on a terminal, and otherwise printed under a time line, a blank line after the one before.
func (a *app) frame(at time.Time, interval time.Duration, body func(io.Writer) error) error {
	if a.output == outputJSON {
		return body(a.deps.Stdout)
	}
	var b bytes.Buffer
	if a.stdoutIsTerminal() {
		b.WriteString("\x1b[H\x1b[2J") // home, clear screen
	}
	fmt.Fprintf(&b, "%s · every %s · Ctrl-C to stop\n", at.Format("15:04:05"), interval)
	if err := body(&b); err != nil {
		return err
	}
	if !a.stdoutIsTerminal() {
		b.WriteByte('\n')
	}
	_, err := a.deps.Stdout.Write(b.Bytes())
	return err
}

func (a *app) stdoutIsTerminal() bool {
	f, ok := a.deps.Stdout.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}
