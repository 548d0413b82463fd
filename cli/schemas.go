package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/decode"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
)

func (a *app) schemasCommand() *cobra.Command {
	var version int
	cmd := &cobra.Command{
		Use:   "schemas [SUBJECT]",
		Short: "Browse the schema registry: subjects, versions, compatibility, schema text, the topics that use them",
		Long: "Without SUBJECT, list the registry's subjects at their latest version. With SUBJECT, show its versions,\n" +
			"compatibility level, schema text and references. The topics that use a subject are found by\n" +
			decode.NamingStrategy + "; subjects named otherwise show none.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if version < 0 || (version > 0 && len(args) == 0) {
				return usageError{errors.New("--version N needs a SUBJECT and N of 1 or more")}
			}
			reg, err := a.registry()
			if err != nil {
				return err
			}
			topics := a.topicNames(cmd.Context())
			if len(args) == 0 {
				subjects, err := reg.Subjects(cmd.Context(), topics)
				if err != nil {
					return err
				}
				return render(a.deps.Stdout, a.output, subjects, columnsOf(present.Subjects), subjectJSON)
			}
			d, err := reg.Subject(cmd.Context(), args[0], version, topics)
			if err != nil {
				return err
			}
			if a.output == outputJSON {
				return writeJSONLines(a.deps.Stdout, []decode.SubjectDetail{d}, subjectDetailJSON)
			}
			return a.writeSections(present.SubjectSections(d)) // as describe prints a topic
		},
	}
	cmd.Flags().IntVar(&version, "version", 0, "show version `N` of SUBJECT (default: the latest)")
	return cmd
}

// registry is the resolved context's schema registry client, or a line saying how to configure one.
func (a *app) registry() (*decode.Registry, error) {
	c, _, err := a.resolve()
	if err != nil {
		return nil, err
	}
	setup := c.DecodeSetup()
	if setup.RegistryURL == "" {
		return nil, fmt.Errorf("no schema registry is configured: set kafka.schema-registry in the context, or give --schema-registry URL")
	}
	return decode.NewRegistryWith(setup.RegistryURL, setup.Registry)
}

// topicNames are the broker's topics, to tell which use a subject. A broker that cannot be listed costs
// the TOPICS column, said on stderr, not the registry listing.
func (a *app) topicNames(ctx context.Context) []string {
	var names []string
	err := a.withBackend(ctx, func(ctx context.Context, b backends.Backend) error {
		dests, err := actions.ListDestinations(ctx, b, backends.ListOptions{})
		for _, d := range dests {
			names = append(names, d.Name)
		}
		return err
	})
	if err != nil {
		fmt.Fprintf(a.deps.Stderr, "mqscope: topics not shown: %s\n", sanitize.Line(err.Error()))
	}
	return names
}

// subjectLine is one line of `schemas -o json`; every field is always present.
type subjectLine struct {
	Subject       string   `json:"subject"`
	Version       int      `json:"version"`
	Latest        int      `json:"latest"`
	ID            int      `json:"id"`
	Type          string   `json:"type"`
	Compatibility string   `json:"compatibility"`
	Topics        []string `json:"topics"`
	Strategy      string   `json:"naming_strategy"`
}

func subjectJSON(s decode.SubjectSummary) any {
	topics := s.Topics
	if topics == nil {
		topics = []string{}
	}
	return subjectLine{Subject: s.Subject, Version: s.Latest, Latest: s.Latest, ID: s.ID, Type: s.Type,
		Compatibility: s.Compatibility, Topics: topics, Strategy: "TopicNameStrategy"}
}

type subjectDetailLine struct {
	subjectLine
	Versions   []int         `json:"versions"`
	Schema     string        `json:"schema"`
	References []schemaRefJS `json:"references"`
}

type schemaRefJS struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

func subjectDetailJSON(d decode.SubjectDetail) any {
	line := subjectJSON(d.SubjectSummary).(subjectLine)
	line.Version = d.Version
	refs := make([]schemaRefJS, len(d.References))
	for i, r := range d.References {
		refs[i] = schemaRefJS{Name: r.Name, Subject: r.Subject, Version: r.Version}
	}
	versions := d.Versions
	if versions == nil {
		versions = []int{}
	}
	return subjectDetailLine{subjectLine: line, Versions: versions, Schema: d.Text, References: refs}
}
