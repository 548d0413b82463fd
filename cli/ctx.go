package cli

import (
	"fmt"
	"net/url"
	"os"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/redact"
)

func (a *app) ctxCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "ctx [NAME]",
		Aliases: []string{"context", "contexts"},
		Short:   "List the config file's contexts, or make NAME the current one",
		Long: "ctx lists the contexts of the config file: where each connects (passwords hidden), how it\n" +
			"authenticates and where its password comes from, and whether it is read-only; * marks the one\n" +
			"in use. ctx NAME makes NAME the file's current-context, changing that one line of the file and\n" +
			"keeping every comment.",
		Example: "  mqscope ctx\n  mqscope ctx prod-kafka\n  mqscope ctx -o json",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file, err := config.Read(a.configPath)
			if err != nil {
				return err
			}
			if err := a.deps.CheckUI(file); err != nil {
				return err
			}
			a.announce(file.Warnings("")) // about the file itself: ctx uses no context's password
			if len(args) == 1 {
				return a.switchContext(file, args[0])
			}
			if len(file.Contexts) == 0 {
				a.warn("no contexts in " + file.Path + noContextsHint)
				return nil
			}
			return render(a.deps.Stdout, a.output, a.contextRows(file), contextColumns, contextJSON)
		},
	}
}

// noContextsHint says what to do when the config file names no context.
const noContextsHint = "; add one under `contexts:` there (see the README's \"Config file\"), or connect with " +
	brokerFlags

// brokerFlags are the flags that connect without a context, one per broker (it named two, later four,
// of the six).
const brokerFlags = "--kafka host:9092, --rabbitmq amqp://host:5672/, --redis redis://host:6379/, " +
	"--nats nats://host:4222, --mqtt tcp://host:1883 or --sqs URL"

// switchContext makes name the file's current-context.
func (a *app) switchContext(file *config.File, name string) error {
	if err := file.SetCurrentContext(name); err != nil {
		return err
	}
	fmt.Fprintf(a.deps.Stdout, "current context is now %s (in %s)\n", name, file.Path)
	if env := os.Getenv(config.EnvContext); env != "" && env != name {
		a.warn(fmt.Sprintf("note: $%s=%s still picks %s until it is unset", config.EnvContext, env, env))
	}
	return nil
}

// contextRow is one context as `ctx` shows it.
type contextRow struct {
	config.Context
	current bool
}

// contextRows are the file's contexts, with the one in use marked: --context, else $MQSCOPE_CONTEXT,
// else the file's current-context.
func (a *app) contextRows(file *config.File) []contextRow {
	inUse := a.flags.Context
	if inUse == "" {
		inUse = os.Getenv(config.EnvContext)
	}
	if inUse == "" {
		inUse = file.CurrentContext
	}
	rows := make([]contextRow, len(file.Contexts))
	for i, c := range file.Contexts {
		rows[i] = contextRow{c, c.Name == inUse}
	}
	return rows
}

var contextColumns = []column[contextRow]{
	{head: "CURRENT", cell: func(r contextRow) string { return mark(r.current, "*") }},
	{head: "NAME", cell: func(r contextRow) string { return r.Name }},
	{head: "KIND", cell: func(r contextRow) string { return r.Kind() }},
	{head: "ADDRESS", cell: func(r contextRow) string { return r.Address() }},
	{head: "AUTH", cell: func(r contextRow) string { return authOf(r.Context).String() }},
	{head: "TLS", cell: func(r contextRow) string { return mark(usesTLS(r.Context), "yes") }},
	{head: "READ-ONLY", cell: func(r contextRow) string { return mark(r.ReadOnly, "yes") }},
}

func mark(on bool, text string) string {
	if on {
		return text
	}
	return ""
}

// contextLine is one line of `ctx -o json`. It never holds a password: only where one comes from.
type contextLine struct {
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	Address      string `json:"address"`
	Current      bool   `json:"current"`
	ReadOnly     bool   `json:"read_only"`
	TLS          bool   `json:"tls"`
	Mechanism    string `json:"sasl_mechanism,omitempty"`
	User         string `json:"user,omitempty"`
	PasswordFrom string `json:"password_from,omitempty"`
	// SchemaRegistry is a Kafka context's registry: where, and who it asks as (never the password).
	SchemaRegistry *registryLine `json:"schema_registry,omitempty"`
}

type registryLine struct {
	URL          string `json:"url"`
	User         string `json:"user,omitempty"`
	PasswordFrom string `json:"password_from,omitempty"`
}

func contextJSON(r contextRow) any {
	au := authOf(r.Context)
	line := contextLine{Name: r.Name, Kind: r.Kind(), Address: r.Address(), Current: r.current,
		ReadOnly: r.ReadOnly, TLS: usesTLS(r.Context), Mechanism: au.mechanism, User: au.user, PasswordFrom: au.from}
	if r.Kafka != nil && r.Kafka.SchemaRegistry != nil {
		sr := r.Kafka.SchemaRegistry
		line.SchemaRegistry = &registryLine{URL: redact.URL(sr.URL), User: or(sr.Username, userOf(sr.URL)),
			PasswordFrom: passwordFrom(sr.PasswordSource, hasURLPassword(sr.URL))}
	}
	return line
}

// auth is how a context authenticates, fit to show: never the password, only where it comes from.
type auth struct{ mechanism, user, from string }

func authOf(c config.Context) auth {
	switch {
	case c.Kafka != nil && c.Kafka.SASL != nil:
		s := c.Kafka.SASL
		return auth{s.Mechanism, s.Username, passwordFrom(s.PasswordSource, false)}
	case c.RabbitMQ != nil:
		r := c.RabbitMQ
		return auth{"", userOf(r.URL), passwordFrom(r.PasswordSource, hasURLPassword(r.URL))}
	case c.Redis != nil:
		r := c.Redis
		return auth{"", or(r.Username, userOf(r.URL)), passwordFrom(r.PasswordSource, hasURLPassword(r.URL))}
	case c.NATS != nil:
		return natsAuth(c.NATS)
	case c.MQTT != nil:
		m := c.MQTT
		return auth{"", m.UserName(), passwordFrom(m.PasswordSource, hasURLPassword(m.URL))}
	}
	return auth{}
}

func (au auth) String() string {
	s := au.mechanism
	if au.user != "" {
		s = join(s, "as "+au.user)
	}
	if au.from != "" {
		s = join(s, "password from "+au.from)
	}
	return s
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + ", " + b
}

func passwordFrom(p config.PasswordSource, inURL bool) string {
	switch {
	case p.PasswordEnv != "":
		return "$" + p.PasswordEnv
	case p.PasswordCmd != "":
		return "command"
	case p.PasswordFile != "":
		return "file " + p.PasswordFile
	case p.Password != "", inURL:
		return "the config file"
	}
	return ""
}

func usesTLS(c config.Context) bool {
	switch {
	case c.Kafka != nil:
		return c.Kafka.TLS != nil
	case c.RabbitMQ != nil:
		return schemeOf(c.RabbitMQ.URL) == "amqps"
	case c.Redis != nil:
		return schemeOf(c.Redis.URL) == "rediss"
	case c.NATS != nil:
		return schemeOf(c.NATS.URL) == "tls" || c.NATS.TLS != nil
	case c.MQTT != nil:
		return schemeOf(c.MQTT.URL) == "ssl" || schemeOf(c.MQTT.URL) == "mqtts"
	}
	return false
}

func userOf(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.User.Username()
	}
	return ""
}

func hasURLPassword(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	_, ok := u.User.Password()
	return ok
}

func schemeOf(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Scheme
	}
	return ""
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// natsAuth says how a NATS context proves who it is: a .creds file, an NKey, a token (a password without a
// user) or a user and password.
func natsAuth(n *config.NATSConfig) auth {
	switch from := passwordFrom(n.PasswordSource, hasURLPassword(n.URL)); {
	case n.CredsFile != "":
		return auth{"creds " + n.CredsFile, "", ""}
	case n.NKeyFile != "":
		return auth{"nkey " + n.NKeyFile, "", ""}
	case from != "" && n.UserName() == "":
		return auth{"token", "", from}
	default:
		return auth{"", n.UserName(), from}
	}
}
