package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// The client libraries whose versions a bug report needs: what speaks to each broker.
var reportedModules = []struct{ path, name string }{
	{"github.com/IBM/sarama", "sarama"},
	{"github.com/twmb/franz-go", "franz-go"},
	{"github.com/rabbitmq/amqp091-go", "amqp091-go"},
	{"github.com/redis/go-redis/v9", "go-redis"},
	{"github.com/nats-io/nats.go", "nats.go"},
	{"github.com/eclipse/paho.golang", "paho.golang"},
}

// version is mqscope's own version as the build recorded it ("(devel)" for a build from a checkout).
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok || info.Main.Version == "" {
		return "(devel)"
	}
	return info.Main.Version
}

// versionReport is mqscope's version, the Go it was built with and its broker clients' versions, from
// the build info (nil where the binary has none).
func versionReport(info *debug.BuildInfo) string {
	var b strings.Builder
	fmt.Fprintf(&b, "mqscope %s\n", version())
	fmt.Fprintf(&b, "go %s %s/%s\n", strings.TrimPrefix(runtime.Version(), "go"), runtime.GOOS, runtime.GOARCH)
	deps := map[string]string{}
	if info != nil {
		for _, d := range info.Deps {
			if d.Replace != nil {
				d = d.Replace
			}
			deps[d.Path] = d.Version
		}
	}
	for _, m := range reportedModules {
		v := deps[m.path]
		if v == "" {
			v = "not linked in"
		}
		fmt.Fprintf(&b, "%s %s\n", m.name, v)
	}
	return b.String()
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print mqscope's version, the Go it was built with and its broker clients' versions",
		Args:  noArgs,
		// No log, no config, no broker: a version is asked for when something else is wrong.
		PersistentPreRunE: func(*cobra.Command, []string) error { return nil },
		RunE: func(cmd *cobra.Command, _ []string) error {
			info, _ := debug.ReadBuildInfo()
			_, err := fmt.Fprint(cmd.OutOrStdout(), versionReport(info))
			return err
		},
	}
}
