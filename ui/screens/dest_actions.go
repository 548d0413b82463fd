package screens

import (
	"github.com/mqscope/mqscope/present"
	"slices"

	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/list"
)

// destinationActions are the keys a destination offers beyond browsing and details: purge (or truncate),
// a new message, and a redrive of its letters; each only where the broker can and outside read-only.
func destinationActions(c *common.Common, d dest) []list.Action {
	if present.IsTreeLevel(d) { // a level of a topic tree holds nothing to act on
		return nil
	}
	return slices.Concat(purgeActions(c, d), deleteActions(c, d), configActions(c, d), publishActions(c, d), redriveActions(c, d))
}
