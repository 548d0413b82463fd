package screens

import (
	"strconv"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/ui/common"
)

// browseFrom opens the message browser on one partition of a topic, starting at offset: from the lag
// view, the messages a group has still to read.
func browseFrom(c *common.Common, topic string, partition int32, offset int64) common.View {
	v := NewMessages(c, backends.Destination{Name: topic, Kind: backends.Topic}).(*browser)
	v.restart(backends.Position{Kind: backends.AtOffset, Offset: offset}, strconv.FormatInt(offset, 10), []int32{partition})
	return v
}
