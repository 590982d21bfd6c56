// Package config reads pmdev's config file ($XDG_CONFIG_HOME/pmdev/config.yaml
// or $PMDEV_CONFIG): profiles, poll intervals and key bindings.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/penguinmails/pmdev/tui/common"
)

// File is $XDG_CONFIG_HOME/pmdev/config.yaml (or $PMDEV_CONFIG).
//
//	default_profile: prod
//	profiles:
//	  prod: {api_url: https://api.penguinmails.com, token_env: PM_PROD_TOKEN}
//	refresh: {ratelimits: 2s, usage: 15s, keys: 30s, webhooks: 15s}
//	keys: {global.quit: [q]}
//	mouse: false
//	no_color: false
type File struct {
	DefaultProfile string              `yaml:"default_profile"`
	Profiles       map[string]Profile  `yaml:"profiles"`
	Refresh        map[string]string   `yaml:"refresh"`
	Keys           map[string][]string `yaml:"keys"`
	Mouse          bool                `yaml:"mouse"`
	NoColor        bool                `yaml:"no_color"`
}

// Profile is one API to talk to. A token may be inline (file must then be
// private), read from an environment variable, or from a file.
type Profile struct {
	APIURL    string `yaml:"api_url"`
	Token     string `yaml:"token"`
	TokenEnv  string `yaml:"token_env"`
	TokenFile string `yaml:"token_file"`
}

// Path is where the config file lives.
func Path(getenv func(string) string) string {
	if p := getenv("PMDEV_CONFIG"); p != "" {
		return p
	}
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "pmdev", "config.yaml")
}

// Load reads and validates the file; a missing file is an empty config.
// explicit is true when the path came from PMDEV_CONFIG (then it must exist).
func Load(path string, explicit bool) (*File, error) {
	cfg := &File{}
	if path == "" {
		return cfg, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return cfg, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config %s: %s", path, yamlErrorText(err))
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// unknownField matches yaml.v3's "field x not found in type config.File".
var unknownField = regexp.MustCompile(`field (\S+) not found in type \S+`)

// yamlErrorText words a decode error for people: no Go type names.
func yamlErrorText(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	msg = unknownField.ReplaceAllString(msg, "unknown field \"$1\" (see pmdev --help for the fields)")
	lines := strings.Split(msg, "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, "; ")
}

func (c *File) validate() error {
	names := make([]string, 0, len(c.Profiles))
	for n := range c.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := c.Profiles[n]
		field := "profiles." + n
		if p.APIURL == "" {
			return fmt.Errorf("%s.api_url: required", field)
		}
		if err := CheckURL(p.APIURL); err != nil {
			return fmt.Errorf("%s.api_url: %w", field, err)
		}
		set := 0
		for _, v := range []string{p.Token, p.TokenEnv, p.TokenFile} {
			if v != "" {
				set++
			}
		}
		if set > 1 {
			return fmt.Errorf("%s: set only one of token, token_env, token_file", field)
		}
		if p.Token != "" && !strings.HasPrefix(p.Token, "pm_pat_") {
			return fmt.Errorf("%s.token: want a personal access token (pm_pat_…)", field)
		}
	}
	if c.DefaultProfile != "" {
		if _, ok := c.Profiles[c.DefaultProfile]; !ok {
			return fmt.Errorf("default_profile: no profile named %q", c.DefaultProfile)
		}
	}
	if _, err := ApplyRefresh(common.DefaultRefresh(), c.Refresh, "refresh."); err != nil {
		return err
	}
	if len(c.Keys) > 0 {
		if err := common.DefaultKeyMap().Rebind(c.Keys); err != nil {
			return err
		}
	}
	return nil
}

// CheckURL accepts an http(s) origin without a path.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", raw)
	}
	if u.Path != "" && u.Path != "/" {
		return fmt.Errorf("%q: give the origin only, without /api/v1", raw)
	}
	return nil
}

// ParseRefreshFlag turns "ratelimits=2s,usage=15s" into a map.
func ParseRefreshFlag(s string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("--refresh: %q: want source=duration, e.g. usage=15s", part)
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out, nil
}

// refreshFloor is the shortest interval a source may poll at.
const refreshFloor = time.Second

// ApplyRefresh sets intervals by source name; "0" turns a source off, and
// anything between 0 and the floor is raised to it.
func ApplyRefresh(r common.Refresh, in map[string]string, prefix string) (common.Refresh, error) {
	names := make([]string, 0, len(in))
	for k := range in {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := in[k]
		d, err := time.ParseDuration(v)
		if v == "0" {
			d, err = 0, nil
		}
		if err != nil || d < 0 {
			return r, fmt.Errorf("%s%s: %q is not a duration like 15s (0 turns it off)", prefix, k, v)
		}
		if d > 0 && d < refreshFloor {
			d = refreshFloor
		}
		switch strings.ToLower(k) {
		case "ratelimits", "rate-limits", "rate_limits":
			r.RateLimits = d
		case "usage":
			r.Usage = d
		case "keys":
			r.Keys = d
		case "webhooks":
			r.Webhooks = d
		default:
			return r, fmt.Errorf("%s%s: unknown source (want ratelimits, usage, keys or webhooks)", prefix, k)
		}
	}
	return r, nil
}

// ResolveToken reads a profile's token from wherever it lives.
func (p Profile) ResolveToken(name string, getenv func(string) string) (string, error) {
	switch {
	case p.Token != "":
		return p.Token, nil
	case p.TokenEnv != "":
		t := getenv(p.TokenEnv)
		if t == "" {
			return "", fmt.Errorf("profiles.%s.token_env: $%s is empty", name, p.TokenEnv)
		}
		return t, nil
	case p.TokenFile != "":
		b, err := os.ReadFile(p.TokenFile)
		if err != nil {
			return "", fmt.Errorf("profiles.%s.token_file: %w", name, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return "", nil
}

// KeyMap is the default key map with the file's rebindings applied.
func (c *File) KeyMap() (*common.KeyMap, error) {
	k := common.DefaultKeyMap()
	if err := k.Rebind(c.Keys); err != nil {
		return nil, err
	}
	return k, nil
}
