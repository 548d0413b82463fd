package rabbitfix

import (
	"net/http"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
)

// A test's vhost holds what the test put there, and goes with everything in it when the test ends.
func TestVhostIsPrivateAndGoesAfterTheTest(t *testing.T) {
	var v *Vhost
	t.Run("inner", func(t *testing.T) {
		v = New(t)
		v.Declare(t, "q", amqp.Table{"x-queue-type": "quorum"})
		v.PutJSON(t, "q", 3)
		v.PutBodies(t, "q", "a", "b")
		ch := v.Channel(t)
		Send(t, ch, "", "q", amqp.Publishing{Body: []byte("c")})
		v.WaitReady(t, "q", 6)
		if names := v.DeclareMany(t, "many", 3); len(names) != 3 || names[2] != "many-00002" {
			t.Errorf("DeclareMany = %v", names)
		}
	})
	req, err := http.NewRequest(http.MethodGet, v.API+"/vhosts/"+v.Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("vhost %s after its test: %s, want 404 Not Found", v.Name, resp.Status)
	}
}
