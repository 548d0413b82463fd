package backendtest

import (
	"errors"
	"testing"

	"github.com/mqscope/mqscope/backends"
)

// testCreateDelete: a created destination lists, a second create is ErrExists, a deletion removes it,
// and deleting it again is ErrNotFound.
func testCreateDelete(t *testing.T, h Harness) {
	b := h.Open(t)
	c, d := b.(backends.DestinationCreator), b.(backends.DestinationDeleter)
	name := unique(t, "created")
	spec := backends.DestinationSpec{Name: name, Partitions: 2, Durable: true}
	if err := c.CreateDestination(ctx(t), spec); err != nil {
		t.Fatalf("CreateDestination: %v", err)
	}
	listed := func(want bool) func([]backends.Destination) error {
		return func(dests []backends.Destination) error {
			if _, ok := byName(dests, h.DestinationKind)[name]; ok != want {
				return errors.New(name + " listed: " + map[bool]string{true: "yes", false: "no"}[ok])
			}
			return nil
		}
	}
	eventually(t, h, lister(t, b), backends.ListOptions{}, listed(true))
	if err := c.CreateDestination(ctx(t), spec); !errors.Is(err, backends.ErrExists) {
		t.Errorf("creating %s again: %v, want ErrExists", name, err)
	}
	if err := d.DeleteDestination(ctx(t), name, backends.DeleteOptions{}); err != nil {
		t.Fatalf("DeleteDestination: %v", err)
	}
	eventually(t, h, lister(t, b), backends.ListOptions{}, listed(false))
	if err := d.DeleteDestination(ctx(t), name, backends.DeleteOptions{}); !errors.Is(err, backends.ErrNotFound) {
		t.Errorf("deleting %s again: %v, want ErrNotFound", name, err)
	}
}

// testGroupDelete: a group's offsets on one topic, and the group itself, are deleted only while it has no
// members.
func testGroupDelete(t *testing.T, h Harness) {
	gd := h.Open(t).(backends.GroupDeleter)
	gf := groupFixture(t, h)
	topic, other, group := unique(t, "gd"), unique(t, "gd-other"), unique(t, "gd-group")
	seedGroup(t, h, gf, topic, group)
	h.Fixture.CreateDestination(t, other, 1)
	gf.CommitGroup(t, group, other, 0)

	leave := gf.Join(t, group, topic)
	if err := gd.DeleteGroupOffsets(ctx(t), group, topic); !errors.Is(err, backends.ErrGroupActive) {
		t.Errorf("DeleteGroupOffsets with a member reading the topic: %v, want ErrGroupActive", err)
	}
	if err := gd.DeleteGroup(ctx(t), group); !errors.Is(err, backends.ErrGroupActive) {
		t.Errorf("DeleteGroup with a member: %v, want ErrGroupActive", err)
	}
	leave()
	if got := gf.Committed(t, group, topic); len(got) == 0 {
		t.Fatal("a refused deletion removed the group's offsets")
	}
	if err := gd.DeleteGroupOffsets(ctx(t), group, topic); err != nil {
		t.Fatalf("DeleteGroupOffsets: %v", err)
	}
	if got := gf.Committed(t, group, topic); len(got) != 0 {
		t.Errorf("offsets on %s after their deletion: %v", topic, got)
	}
	if got := gf.Committed(t, group, other); len(got) == 0 {
		t.Errorf("deleting the offsets on %s removed those on %s too", topic, other)
	}
	if err := gd.DeleteGroup(ctx(t), group); err != nil {
		t.Fatalf("DeleteGroup: %v", err)
	}
	if err := gd.DeleteGroup(ctx(t), group); !errors.Is(err, backends.ErrNotFound) {
		t.Errorf("deleting the group again: %v, want ErrNotFound", err)
	}
}
