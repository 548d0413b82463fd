package nats

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/backends"
)

// purgeRequest and purgeResponse are JetStream's stream purge API ($JS.API.STREAM.PURGE.<stream>), used
// directly because the client does not say how many messages went.
type purgeRequest struct {
	Subject  string `json:"filter,omitempty"`
	Sequence uint64 `json:"seq,omitempty"`
	Keep     uint64 `json:"keep,omitempty"`
}

type purgeResponse struct {
	Success bool   `json:"success"`
	Purged  uint64 `json:"purged"`
	Error   *struct {
		Code        int    `json:"code"`
		Description string `json:"description"`
	} `json:"error"`
}

// Purge removes every message of a stream and says how many went. Consumers stay, with nothing pending.
func (b *Backend) Purge(ctx context.Context, stream string) (int64, error) {
	return b.purge(ctx, stream, purgeRequest{})
}

// Truncate removes the messages of a stream before offset before[0] (a purge up to that sequence + 1).
func (b *Backend) Truncate(ctx context.Context, stream string, before map[int32]int64) error {
	o, ok := before[0]
	if !ok || o <= 0 {
		return nil
	}
	_, err := b.purge(ctx, stream, purgeRequest{Sequence: uint64(o) + 1})
	return err
}

func (b *Backend) purge(ctx context.Context, stream string, req purgeRequest) (int64, error) {
	if !validStreamName(stream) {
		return 0, backends.NotFound("%q cannot be a stream's name", stream)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return 0, err
	}
	ctx, cancel := b.bound(ctx)
	defer cancel()
	reply, err := b.nc.RequestWithContext(ctx, "$JS.API.STREAM.PURGE."+stream, body)
	if err != nil {
		return 0, b.opError("purge "+stream, err)
	}
	var resp purgeResponse
	if err := json.Unmarshal(reply.Data, &resp); err != nil {
		return 0, fmt.Errorf("purge %s: the server's answer is not JetStream's: %w", stream, err)
	}
	if resp.Error != nil {
		if resp.Error.Code == 404 {
			return 0, backends.NotFound("no stream %q here (see `mqscope ls`)", stream)
		}
		return 0, fmt.Errorf("purge %s: %s", stream, oneLine(resp.Error.Description))
	}
	return int64(resp.Purged), nil
}

// CountPurge counts the messages on f.Subject (the server counts them per subject) less the newest f.Keep.
func (b *Backend) CountPurge(ctx context.Context, stream string, f backends.PurgeFilter) (int64, error) {
	ctx, cancel := b.bound(ctx)
	defer cancel()
	s, err := b.js.Stream(ctx, stream)
	if err != nil {
		return 0, b.opError("look up stream "+stream, err)
	}
	var matching uint64
	if f.Subject == "" || f.Subject == ">" {
		matching = s.CachedInfo().State.Msgs
	} else {
		si, err := s.Info(ctx, jetstream.WithSubjectFilter(f.Subject))
		if err != nil {
			return 0, b.opError("count the messages of "+stream+" on "+f.Subject, err)
		}
		for _, n := range si.State.Subjects {
			matching += n
		}
	}
	return max(int64(matching)-f.Keep, 0), nil
}

// PurgeFiltered removes the messages on f.Subject, all but the newest f.Keep, and says how many went.
func (b *Backend) PurgeFiltered(ctx context.Context, stream string, f backends.PurgeFilter) (int64, error) {
	return b.purge(ctx, stream, purgeRequest{Subject: f.Subject, Keep: uint64(max(f.Keep, 0))})
}

var (
	_ backends.Purger         = (*Backend)(nil)
	_ backends.FilteredPurger = (*Backend)(nil)
)
