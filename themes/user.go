package themes

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/adrg/xdg"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/mqscope/mqscope/config"
)

// DefaultDir is where user themes live: $XDG_CONFIG_HOME/mqscope/themes, one NAME.yaml per theme.
func DefaultDir() string { return filepath.Join(xdg.ConfigHome, "mqscope", "themes") }

// A user theme file sets any of the colours and inherits the rest from its base (default: the dark
// theme):
//
//	base: nord
//	accent: "#ebcb8b"
//	selection-bg: "#ebcb8b"
type themeFile struct {
	Base  string `yaml:"base"`
	Theme `yaml:",inline"`
}

// Catalog is every theme by name: the built-ins and the user's, read once from a folder so that picking
// one later (on :ctx) costs no file I/O.
type Catalog struct {
	dir    string
	user   map[string]Theme
	broken map[string]error // user themes that failed to load, and why
}

// LoadCatalog reads every *.yaml in dir. A missing folder means no user themes; a broken file is kept
// as an error for whoever asks for that theme.
func LoadCatalog(dir string) *Catalog {
	c := &Catalog{dir: dir, user: map[string]Theme{}, broken: map[string]error{}}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	raw := map[string]string{}
	for _, f := range files {
		raw[strings.TrimSuffix(filepath.Base(f), ".yaml")] = f
	}
	for name := range raw {
		c.load(name, raw, map[string]bool{})
	}
	return c
}

// load reads user theme name (and first its base, when that is a user theme too).
func (c *Catalog) load(name string, files map[string]string, visiting map[string]bool) (Theme, error) {
	if t, ok := c.user[name]; ok {
		return t, nil
	}
	if err, ok := c.broken[name]; ok {
		return Theme{}, err
	}
	t, err := c.parse(name, files, visiting)
	if err != nil {
		c.broken[name] = err
		return Theme{}, err
	}
	c.user[name] = t
	return t, nil
}

func (c *Catalog) parse(name string, files map[string]string, visiting map[string]bool) (Theme, error) {
	path := files[name]
	data, err := config.ReadFile(path)
	if err != nil {
		return Theme{}, fmt.Errorf("theme %s: %w", name, err)
	}
	return c.decode(name, path, data, files, visiting)
}

// decode reads the theme called name from data, the content of the file at path.
func (c *Catalog) decode(name, path string, data []byte, files map[string]string, visiting map[string]bool) (Theme, error) {
	var head struct {
		Base string `yaml:"base"`
	}
	_ = yaml.Unmarshal(data, &head) // a broken file is reported by the strict decode below
	visiting[name] = true
	base, baseErr := c.base(name, head.Base, files, visiting)
	tf := themeFile{Theme: base}
	root, err := config.DecodeYAML(path, data, &tf)
	if err != nil {
		return Theme{}, err
	}
	if baseErr != nil {
		return Theme{}, errorAt(path, root, "$.base", "%v", baseErr)
	}
	tf.Name = name
	if err := checkColours(path, root, tf.Theme); err != nil {
		return Theme{}, err
	}
	return tf.Theme, nil
}

// base is the theme a user theme builds on: another user theme (not itself), else a built-in one.
func (c *Catalog) base(name, base string, files map[string]string, visiting map[string]bool) (Theme, error) {
	if base == "" {
		return Default(), nil
	}
	if _, user := files[base]; user && base != name {
		if visiting[base] {
			return Theme{}, fmt.Errorf("base %q leads back to theme %q: themes cannot build on each other in a circle", base, name)
		}
		t, err := c.load(base, files, visiting)
		if err != nil {
			return Theme{}, fmt.Errorf("base theme %q does not load (%v)", base, oneLine(err))
		}
		return t, nil
	}
	if t, ok := builtin[base]; ok {
		return t, nil
	}
	return Theme{}, fmt.Errorf("base theme %q is not one of %s", base, strings.Join(c.Names(), ", "))
}

// Get is the theme called name: a user theme first, then a built-in one; "" is the default. The error
// says why a user theme would not load, or which themes there are.
func (c *Catalog) Get(name string) (Theme, error) {
	if name == "" {
		return Default(), nil
	}
	if c != nil {
		if t, ok := c.user[name]; ok {
			return t, nil
		}
		if err, ok := c.broken[name]; ok {
			return Theme{}, err
		}
	}
	if t, ok := builtin[name]; ok {
		return t, nil
	}
	where := ""
	if c != nil && c.dir != "" {
		where = fmt.Sprintf("; a theme of your own goes in %s", filepath.Join(c.dir, name+".yaml"))
	}
	return Theme{}, fmt.Errorf("no theme called %q (there are %s%s)", name, strings.Join(c.Names(), ", "), where)
}

// Names lists the built-in and user themes, sorted.
func (c *Catalog) Names() []string {
	names := Names()
	if c != nil {
		for n := range c.user {
			if _, dup := builtin[n]; !dup {
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	return names
}

// Choice is what decides the theme.
type Choice struct {
	// Names are theme names, strongest first (--theme, the context's, the config file's); the first
	// that is not empty is the one asked for.
	Names []string
	// Light says the terminal's background is light; until the terminal answers, it is taken as dark.
	Light bool
	// NoColor asks for no colour at all (NO_COLOR); it beats any name.
	NoColor bool
}

// Choose picks the theme: none at all under NO_COLOR, else the one asked for by name, else the dark or
// light built-in to suit the terminal's background. A name that does not load gives the background's
// theme and the reason.
func (c *Catalog) Choose(ch Choice) (Theme, error) {
	if ch.NoColor {
		return NoColor(), nil
	}
	fallback := Default()
	if ch.Light {
		fallback = builtin[LightName]
	}
	for _, name := range ch.Names {
		if name == "" {
			continue
		}
		t, err := c.Get(name)
		if err != nil {
			return fallback, err
		}
		return t, nil
	}
	return fallback, nil
}

// NoColorRequested says whether the environment asks for no colour: NO_COLOR set to anything but "".
func NoColorRequested() bool { return os.Getenv("NO_COLOR") != "" }

var colourForm = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// checkColours refuses a colour that lipgloss would silently draw as nothing.
func checkColours(file string, root ast.Node, t Theme) error {
	v := reflect.ValueOf(t)
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		c, ok := v.Field(i).Interface().(Color)
		if !ok || c == "" || colourForm.MatchString(string(c)) {
			continue
		}
		if n, err := strconv.Atoi(string(c)); err == nil && n >= 0 && n <= 255 {
			continue
		}
		key := f.Tag.Get("yaml")
		return errorAt(file, root, "$."+key, "%s: %q is not a colour: write #rrggbb, #rgb or an ANSI number 0-255", key, c)
	}
	return nil
}

// errorAt is a config.Error at the YAML path's node, or at the file when the path is not there.
func errorAt(file string, root ast.Node, path string, format string, args ...any) error {
	e := &config.Error{File: file, Msg: fmt.Sprintf(format, args...)}
	if p, err := yaml.PathString(path); err == nil && root != nil {
		if n, err := p.FilterNode(root); err == nil && n != nil && n.GetToken() != nil && n.GetToken().Position != nil {
			e.Line, e.Column = n.GetToken().Position.Line, n.GetToken().Position.Column
		}
	}
	return e
}

func oneLine(err error) string {
	var e *config.Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return err.Error()
}
