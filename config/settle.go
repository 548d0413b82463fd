package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// settle puts a valid file in the form the rest of mqscope reads: SASL mechanisms in capitals (PLAIN by
// default), file paths absolute (relative ones are relative to dir, the config file's folder, and ~/
// is the home folder), and a warning for each password written in the file.
func (f *File) settle(dir string) {
	for i := range f.Contexts {
		c := &f.Contexts[i]
		if c.Decode != nil {
			c.Decode.Protobuf.absPaths(dir)
		}
		if k := c.Kafka; k != nil {
			if k.SASL != nil {
				k.SASL.Mechanism = strings.ToUpper(k.SASL.Mechanism)
				if k.SASL.Mechanism == "" {
					k.SASL.Mechanism = SASLPlain
				}
				k.SASL.PasswordFile = absPath(dir, k.SASL.PasswordFile)
				f.warnInline(c.Name, "kafka.sasl.password", k.SASL.Password != "")
			}
			k.TLS.absPaths(dir)
			if sr := k.SchemaRegistry; sr != nil {
				sr.PasswordFile = absPath(dir, sr.PasswordFile)
				sr.TLS.absPaths(dir)
				f.warnInline(c.Name, "kafka.schema-registry.password", sr.Password != "")
				f.warnInline(c.Name, "the password in kafka.schema-registry.url", hasPassword(sr.URL))
			}
		}
		if r := c.RabbitMQ; r != nil {
			r.PasswordFile = absPath(dir, r.PasswordFile)
			r.TLS.absPaths(dir)
			f.warnInline(c.Name, "rabbitmq.password", r.Password != "")
			f.warnInline(c.Name, "the password in rabbitmq.url", hasPassword(r.URL))
		}
		if m := c.MQTT; m != nil {
			m.PasswordFile = absPath(dir, m.PasswordFile)
			m.TLS.absPaths(dir)
			f.warnInline(c.Name, "mqtt.password", m.Password != "")
			f.warnInline(c.Name, "the password in mqtt.url", hasPassword(m.URL))
		}
		if n := c.NATS; n != nil {
			n.PasswordFile = absPath(dir, n.PasswordFile)
			n.NKeyFile, n.CredsFile = absPath(dir, n.NKeyFile), absPath(dir, n.CredsFile)
			n.TLS.absPaths(dir)
			f.warnInline(c.Name, "nats.password", n.Password != "")
			f.warnInline(c.Name, "the password in nats.url", hasPassword(n.URL))
		}
		if r := c.Redis; r != nil {
			r.PasswordFile = absPath(dir, r.PasswordFile)
			r.TLS.absPaths(dir)
			f.warnInline(c.Name, "redis.password", r.Password != "")
			f.warnInline(c.Name, "the password in redis.url", hasPassword(r.URL))
		}
	}
}

func (f *File) warnInline(context, where string, inline bool) {
	if inline {
		f.warnings = append(f.warnings, warning{context, fmt.Sprintf("context %q has %s written in %s; prefer password-env, "+
			"password-cmd or password-file", context, where, f.Path)})
	}
}

// absPaths makes the descriptor set and the import paths absolute; files are relative to the import
// paths when there are some, else to dir.
func (p *ProtobufConfig) absPaths(dir string) {
	if p == nil {
		return
	}
	p.DescriptorSet = absPath(dir, p.DescriptorSet)
	for i := range p.ImportPaths {
		p.ImportPaths[i] = absPath(dir, p.ImportPaths[i])
	}
	if len(p.ImportPaths) == 0 {
		for i := range p.Files {
			p.Files[i] = absPath(dir, p.Files[i])
		}
	}
}

func (t *TLSConfig) absPaths(dir string) {
	if t == nil {
		return
	}
	t.CAFile, t.CertFile, t.KeyFile = absPath(dir, t.CAFile), absPath(dir, t.CertFile), absPath(dir, t.KeyFile)
}

// absPath is p made absolute: ~/ is the home folder, and a relative path is relative to dir.
func absPath(dir, p string) string {
	switch {
	case p == "" || filepath.IsAbs(p):
		return p
	case p == "~" || strings.HasPrefix(p, "~/"):
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
		return p
	}
	if abs, err := filepath.Abs(filepath.Join(dir, p)); err == nil {
		return abs
	}
	return filepath.Join(dir, p)
}
