package rabbitmq_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// serverScript and ctlScript are RabbitMQ's own scripts (not the sbin wrappers, which switch to the rabbitmq
// user).
const (
	serverScript = "/usr/lib/rabbitmq/lib/rabbitmq_server-3.10.8/sbin/rabbitmq-server"
	ctlScript    = "/usr/lib/rabbitmq/lib/rabbitmq_server-3.10.8/sbin/rabbitmqctl"
)

// node is a RabbitMQ node of a test's own, on ports of its own, with its data in a temporary directory:
// one the test may kill. It never touches the shared node.
type node struct {
	dir, name  string
	amqpPort   int
	apiPort    int  // 0 without the management plugin
	management bool // it runs the management plugin
	env        []string
	cmd        *exec.Cmd
	out        lockedBuffer // what the start script printed
}

// lockedBuffer is a bytes.Buffer the start script's output goes into while the test may read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *lockedBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

// startNode starts a node with the given plugins (none starts fastest) and waits until it takes AMQP
// connections. With rabbitmq_management its API listens on a port of its own too. The node is killed when
// the test ends.
func startNode(t *testing.T, plugins ...string) *node {
	t.Helper()
	if _, err := os.Stat(serverScript); err != nil {
		t.Fatalf("a second RabbitMQ node needs %s: %v", serverScript, err)
	}
	dir := t.TempDir()
	n := &node{dir: dir, name: fmt.Sprintf("mqs-test-%d@localhost", rand.Uint32()),
		management: slices.Contains(plugins, "rabbitmq_management")}
	writeFile(t, filepath.Join(dir, "enabled_plugins"), "["+strings.Join(plugins, ",")+"].\n")
	t.Cleanup(func() {
		if t.Failed() {
			n.explain(t)
		}
		n.kill(t)
	})
	n.start(t)
	return n
}

// listen picks the node's ports for its next start: fresh ones each time, since while a killed node is
// down any other process may take the ports it had.
func (n *node) listen(t *testing.T) {
	t.Helper()
	n.amqpPort, n.apiPort = freePort(t), 0
	conf := filepath.Join(n.dir, "rabbitmq.conf")
	settings := fmt.Sprintf("listeners.tcp.default = %d\n", n.amqpPort)
	if n.management {
		n.apiPort = freePort(t)
		settings += fmt.Sprintf("management.tcp.port = %d\n", n.apiPort)
	}
	writeFile(t, conf, settings)
	n.env = append(os.Environ(), "HOME="+n.dir, "RABBITMQ_NODENAME="+n.name,
		"RABBITMQ_NODE_PORT="+strconv.Itoa(n.amqpPort), "RABBITMQ_DIST_PORT="+strconv.Itoa(freePort(t)),
		"RABBITMQ_CONFIG_FILE="+conf, "RABBITMQ_ENABLED_PLUGINS_FILE="+filepath.Join(n.dir, "enabled_plugins"),
		"RABBITMQ_MNESIA_BASE="+filepath.Join(n.dir, "mnesia"), "RABBITMQ_LOG_BASE="+filepath.Join(n.dir, "log"),
		"RABBITMQ_PID_FILE="+filepath.Join(n.dir, "pid"))
}

func (n *node) url() string { return fmt.Sprintf("amqp://guest:guest@127.0.0.1:%d/", n.amqpPort) }

// startLimit is how long a node may take to start: 5 to 15 s on an idle machine, over a minute when the
// whole suite runs beside other work (73 s seen at load 25).
const startLimit = 3 * time.Minute

// start runs the node (again, on the same data after a kill, on new ports) and waits until it answers
// AMQP as itself.
func (n *node) start(t *testing.T) {
	t.Helper()
	n.listen(t)
	began := time.Now()
	n.out.Reset()
	n.cmd = exec.Command(serverScript)
	n.cmd.Dir, n.cmd.Env, n.cmd.Stdout, n.cmd.Stderr = n.dir, n.env, &n.out, &n.out
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its own group: kill takes every process it started
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("start node %s: %v", n.name, err)
	}
	for !answersAMQP(n.amqpPort) || n.apiPort != 0 && !answersHTTP(n.apiPort) {
		if time.Since(began) > startLimit {
			t.Fatalf("node %s did not start within %s:\n%s", n.name, startLimit, n.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	n.mustBeItself(t)
	t.Logf("node %s up on port %d after %s", n.name, n.amqpPort, time.Since(began).Round(time.Millisecond))
}

// mustBeItself fails the test unless the broker on the node's AMQP port is the node: another process
// may have taken the port between freePort and the node's start, and a test that went on would report
// that broker's queues as the node's.
func (n *node) mustBeItself(t *testing.T) {
	t.Helper()
	conn, err := amqp.Dial(n.url())
	if err != nil {
		t.Fatalf("node %s answered on port %d, then refused a connection: %v", n.name, n.amqpPort, err)
	}
	defer conn.Close()
	// A node's cluster is named after it: its name with the machine's host name after the @.
	cluster, _ := conn.Properties["cluster_name"].(string)
	if id, _, _ := strings.Cut(n.name, "@"); !strings.HasPrefix(cluster, id+"@") {
		t.Fatalf("port %d is answered by cluster %q, not by node %s:\n%s", n.amqpPort, cluster, n.name, n.out.String())
	}
}

// kill ends the node at once, as a crash would: SIGKILL to every process of its group.
func (n *node) kill(t *testing.T) {
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
	_ = n.cmd.Wait()
	n.cmd = nil
}

// syncDatabase has the node write its database's transaction log (queue declarations among the rest) to
// disk now. Its writes are buffered in the node for a moment, and a SIGKILL soon after loses them: seen on
// 3.10.8, a durable queue declared about 2 s before the kill was gone after the restart ("Recovering 1
// queues" of the two declared), while the messages in the other were still there.
func (n *node) syncDatabase(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ctl := exec.CommandContext(ctx, ctlScript, "-n", n.name, "eval", "mnesia:sync_log().")
	ctl.Env = n.env
	if out, err := ctl.CombinedOutput(); err != nil {
		t.Fatalf("sync node %s's database: %v: %s", n.name, err, out)
	}
}

// answersAMQP reports whether something on port speaks AMQP: it answers the protocol header.
func answersAMQP(port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("AMQP\x00\x00\x09\x01")); err != nil {
		return false
	}
	buf := make([]byte, 8)
	_, err = c.Read(buf)
	return err == nil
}

// answersHTTP reports whether the management API on port answers.
func answersHTTP(port int) bool {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/overview", port))
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.TrimLeft(text, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
}

// explain puts into the output of a test that failed what the node says of itself: its queues (if it runs)
// and the lines of its log that tell how it started and what went wrong. Its temporary directory, logs and
// all, goes when the test ends.
func (n *node) explain(t *testing.T) {
	if n.cmd != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		ctl := exec.CommandContext(ctx, ctlScript, "-n", n.name, "list_queues", "name", "durable", "messages", "state")
		ctl.Env = n.env
		out, err := ctl.CombinedOutput()
		t.Logf("node %s holds (rabbitmqctl list_queues, %v):\n%s", n.name, err, out)
	}
	data, err := os.ReadFile(filepath.Join(n.dir, "log", n.name+".log"))
	if err != nil {
		t.Logf("node %s: no log: %v", n.name, err)
		return
	}
	var telling []string
	for line := range strings.Lines(string(data)) {
		if tells(line) {
			telling = append(telling, line)
		}
	}
	const most = 60
	if len(telling) > most {
		telling = telling[len(telling)-most:]
	}
	t.Logf("node %s, how it started and what went wrong (up to the last %d lines of its log):\n%s", n.name, most, strings.Join(telling, ""))
}

// tells reports whether a line of a node's log explains a restart: a warning or an error, or a step of
// its start that says what it found (an empty database, queues recovered).
func tells(line string) bool {
	for _, s := range []string{"[error]", "[warning]", "Starting RabbitMQ", "database directory", "Recovering",
		"Queue", "started TCP listener", "Server startup complete"} {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}
