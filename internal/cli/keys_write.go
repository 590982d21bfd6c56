package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// Permission presets: the key wizard's r, e and a.
var presetNames = []string{"read-only", "email-sending", "full-access"}

// keyForm is what create and update read from their flags.
type keyForm struct {
	name, description, env, preset, expires string
	perms, ips                              []string
	rateLimit                               int
	clearIPs                                bool
}

func (f *keyForm) register(fs *pflag.FlagSet, create bool) {
	fs.StringVar(&f.name, "name", "", "key name (1–50 letters, digits, spaces, - _ .)")
	fs.StringVar(&f.description, "description", "", "what the key is for")
	fs.StringSliceVar(&f.perms, "permissions", nil, "permissions, comma-separated (pmdev docs api-keys lists them)")
	fs.StringVar(&f.preset, "preset", "", "permission preset: read-only, email-sending or full-access (all you may grant)")
	fs.StringArrayVar(&f.ips, "ip", nil, "allow only this address or CIDR range (repeatable; default any)")
	fs.IntVar(&f.rateLimit, "rate-limit", 0, "requests per minute (default and maximum: your plan's)")
	if create {
		fs.StringVar(&f.env, "env", models.EnvLive, "environment: live (pm_live_…) or test (pm_test_…)")
		fs.StringVar(&f.expires, "expires", "", "expiry: a span (30d), a date (2026-06-30) or an RFC 3339 time (default never)")
	} else {
		fs.StringVar(&f.expires, "expires", "", "new expiry: a span (30d), a date, an RFC 3339 time, or never")
		fs.BoolVar(&f.clearIPs, "any-ip", false, "remove the IP allow-list (allow any address)")
	}
	setsField(fs, "ip", "allowed_ips")
	setsField(fs, "expires", "expires_at", "clear_expiry")
}

func completeKeyForm(cmd *cobra.Command) {
	fixedCompletion(cmd, "preset", presetNames...)
	fixedCompletion(cmd, "env", models.EnvLive, models.EnvTest)
	var names, labels []string
	for _, p := range models.PermissionCatalogue() {
		names, labels = append(names, p.Name), append(labels, p.Label)
	}
	_ = cmd.RegisterFlagCompletionFunc("permissions", completeCommaList(names, labels))
	for _, name := range []string{"name", "description", "ip", "rate-limit", "expires"} {
		_ = cmd.RegisterFlagCompletionFunc(name, cobra.NoFileCompletions)
	}
}

// permissions reads --permissions or --preset; ok is false when neither was given.
func (f *keyForm) permissions(ctx context.Context, cl *client.Client) (perms []string, ok bool, err error) {
	switch {
	case f.preset != "" && len(f.perms) > 0:
		return nil, false, usagef("--permissions and --preset cannot be combined")
	case f.preset != "":
		switch f.preset {
		case "read-only":
			perms = models.PresetReadOnly
		case "email-sending":
			perms = models.PresetEmailSending
		case "full-access":
			me, err := cl.Me(ctx)
			if err != nil {
				return nil, false, err
			}
			perms = models.PresetFullAccess(me.CanGrantAdmin)
		default:
			return nil, false, usagef("--preset %q: want %s", f.preset, strings.Join(presetNames, ", "))
		}
	case len(f.perms) > 0:
		perms = splitList(f.perms)
	default:
		return nil, false, nil
	}
	perms, fe := models.CheckPermissions(perms)
	if fe != nil {
		return nil, false, usagef("--permissions: %s (%s)", fe.Message, permissionNames())
	}
	return perms, true, nil
}

func permissionNames() string {
	var names []string
	for _, p := range models.PermissionCatalogue() {
		names = append(names, p.Name)
	}
	return "known: " + strings.Join(names, ", ")
}

func keysCreateCmd(o *apiOpts, ios *streams) *cobra.Command {
	f := &keyForm{}
	cmd := &cobra.Command{
		Use:   "create --name NAME (--permissions P,… | --preset PRESET)",
		Short: "Create an API key (the key is printed once, on stdout)",
		Long: `Create an API key. The full key is printed once, alone on stdout, and
cannot be shown again; details go to stderr on a terminal. With --json the
whole answer (the contract's CreatedAPIKey, key in "api_key") is printed.`,
		Args: noArgs,
		Example: `  pmdev keys create --name "CI pipeline" --env test --preset email-sending --expires 30d
  pmdev keys create --name worker --permissions send_email,read_analytics --ip 203.0.113.0/24 --rate-limit 120`,
		RunE: o.run(ios, func(s *session, _ []string) error { return keysCreate(s, f) }),
	}
	f.register(cmd.Flags(), true)
	completeKeyForm(cmd)
	return cmd
}

func keysCreate(s *session, f *keyForm) error {
	name, fe := models.CheckKeyName(f.name)
	if fe != nil {
		return usagef("--name: %s", fe.Message)
	}
	req := models.CreateAPIKeyRequest{Name: name}
	if f.rateLimit != 0 { // 0, the flag's default, leaves the plan's limit
		req.RateLimit = &f.rateLimit
	}
	if req.Description, fe = models.CheckKeyDescription(f.description); fe != nil {
		return usagef("--description: %s", fe.Message)
	}
	if req.Environment, fe = models.CheckEnvironment(f.env); fe != nil {
		return usagef("--env %q: want live or test", f.env)
	}
	if f.rateLimit < 0 {
		return usagef("--rate-limit must be 1 or more")
	}
	if len(f.ips) > 0 {
		if req.AllowedIPs, fe = models.CheckAllowedIPs(f.ips); fe != nil {
			return usagef("--ip: %s", fe.Message)
		}
	}
	if f.expires != "" {
		exp, never, err := parseExpiry(f.expires, time.Now())
		if err != nil {
			return err
		}
		if !never {
			req.ExpiresAt = exp
		}
	}
	perms, ok, err := f.permissions(s.ctx, s.cl)
	if err != nil {
		return err
	}
	if !ok {
		return usagef("keys create: --permissions or --preset is required (presets: %s)", strings.Join(presetNames, ", "))
	}
	req.Permissions = perms
	created, err := s.cl.CreateKey(s.ctx, req)
	if err != nil {
		return err
	}
	return showPlaintext(s, created, fmt.Sprintf("Created %s key %q (%s).", created.Environment, common.Sanitize(created.Name), created.KeyID))
}

// showPlaintext prints a new key once: alone on stdout (or in the JSON),
// with what to do about it on stderr when that is a terminal.
func showPlaintext(s *session, k models.CreatedAPIKey, what string) error {
	return s.out.emit(k, func() error {
		s.ios.hint("✓ " + what)
		if k.Warning != "" {
			s.ios.hint("  " + common.Sanitize(k.Warning))
		} else {
			s.ios.hint("  The key below is shown once: store it in your secret manager now.")
		}
		_, err := fmt.Fprintln(s.ios.out, k.Plaintext)
		return err
	})
}

func keysUpdateCmd(o *apiOpts, ios *streams) *cobra.Command {
	f := &keyForm{}
	cmd := &cobra.Command{
		Use:               "update ID|NAME [flags]",
		Aliases:           []string{"edit"},
		Short:             "Change a key's name, permissions, expiry, IP allow-list or rate limit",
		Args:              oneArg("key id or name"),
		ValidArgsFunction: completeKeys(o, ios),
		Example: `  pmdev keys update "CI pipeline" --expires 2026-12-31 --rate-limit 60
  pmdev keys update 550e8400-e29b-41d4-a716-446655440000 --preset read-only --any-ip`,
	}
	cmd.RunE = o.run(ios, func(s *session, args []string) error { return keysUpdate(s, cmd.Flags(), f, args[0]) })
	f.register(cmd.Flags(), false)
	completeKeyForm(cmd)
	return cmd
}

func keysUpdate(s *session, fs *pflag.FlagSet, f *keyForm, arg string) error {
	var req models.UpdateAPIKeyRequest
	changed := false
	if fs.Changed("name") {
		name, fe := models.CheckKeyName(f.name)
		if fe != nil {
			return usagef("--name: %s", fe.Message)
		}
		req.Name, changed = &name, true
	}
	if fs.Changed("description") {
		d, fe := models.CheckKeyDescription(f.description)
		if fe != nil {
			return usagef("--description: %s", fe.Message)
		}
		req.Description, changed = &d, true
	}
	if fs.Changed("rate-limit") {
		if f.rateLimit < 1 {
			return usagef("--rate-limit must be 1 or more")
		}
		req.RateLimit, changed = &f.rateLimit, true
	}
	switch {
	case f.clearIPs && len(f.ips) > 0:
		return usagef("--ip and --any-ip cannot be combined")
	case f.clearIPs:
		none := []string{}
		req.AllowedIPs, changed = &none, true
	case len(f.ips) > 0:
		ips, fe := models.CheckAllowedIPs(f.ips)
		if fe != nil {
			return usagef("--ip: %s", fe.Message)
		}
		req.AllowedIPs, changed = &ips, true
	}
	if fs.Changed("expires") {
		exp, never, err := parseExpiry(f.expires, time.Now())
		if err != nil {
			return err
		}
		req.ExpiresAt, req.ClearExpiry, changed = exp, never, true
	}
	perms, ok, err := f.permissions(s.ctx, s.cl)
	if err != nil {
		return err
	}
	if ok {
		req.Permissions, changed = perms, true
	}
	if !changed {
		return usagef("keys update: nothing to change (see pmdev keys update --help)")
	}
	id, _, err := resolveKeyID(s.ctx, s.cl, arg)
	if err != nil {
		return err
	}
	k, err := s.cl.UpdateKey(s.ctx, id, req)
	return s.answer(k, err, func() error {
		s.ios.hint(fmt.Sprintf("✓ Updated key %q (%s).", common.Sanitize(k.Name), k.KeyID))
		keyDetails(s.out, models.APIKeyDetails{APIKey: k}, time.Now())
		return nil
	})
}

func keysRotateCmd(o *apiOpts, ios *streams) *cobra.Command {
	var grace string
	var yes bool
	cmd := &cobra.Command{
		Use:     "rotate ID|NAME [--grace 24h]",
		Aliases: []string{"regenerate"},
		Short:   "Replace a key with a new one; the old one works for the grace period",
		Long: `Replace a key with a new one of the same name, permissions and limits. The
new key is printed once, alone on stdout (with --json, in "api_key" of the
contract's CreatedAPIKey). The old key keeps working for --grace (0 to 168
hours; 0 stops it at once). Asks first on a terminal; elsewhere needs --yes.`,
		Args:              oneArg("key id or name"),
		ValidArgsFunction: completeKeys(o, ios),
		Example:           `  pmdev keys rotate "CI pipeline" --grace 24h --json --yes | jq -r .api_key | gh secret set PM_KEY`,
		RunE: o.run(ios, func(s *session, args []string) error {
			hours, err := parseGrace(grace)
			if err != nil {
				return err
			}
			id, name, err := resolveKeyID(s.ctx, s.cl, args[0])
			if err != nil {
				return err
			}
			if err := confirm(s, yes, "keys rotate", fmt.Sprintf("Rotate key %s? The old key stops working in %d h.", keyLabel(id, name), hours)); err != nil {
				return err
			}
			k, err := s.cl.RegenerateKey(s.ctx, id, models.RegenerateRequest{GracePeriodHours: &hours})
			if err != nil {
				return err
			}
			return showPlaintext(s, k, fmt.Sprintf("Rotated key %q: new id %s, old id %s.", common.Sanitize(k.Name), k.KeyID, k.OldKeyID))
		}),
	}
	cmd.Flags().StringVar(&grace, "grace", "24h", "how long the old key keeps working (whole hours, 0–168h)")
	destructive(cmd, ios, &yes)
	fixedCompletion(cmd, "grace", "0", "1h", "24h", "72h", "168h")
	return cmd
}

func keyLabel(id, name string) string {
	if name == "" {
		return id
	}
	return fmt.Sprintf("%q (%s)", common.Sanitize(name), id)
}

func keysRevokeCmd(o *apiOpts, ios *streams) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:               "revoke ID|NAME",
		Aliases:           []string{"delete"},
		Short:             "Revoke a key at once (cannot be undone)",
		Long:              "Revoke a key at once; requests with it fail from now on. Asks first on a terminal; elsewhere needs --yes.",
		Args:              oneArg("key id or name"),
		ValidArgsFunction: completeKeys(o, ios),
		RunE: o.run(ios, func(s *session, args []string) error {
			id, name, err := resolveKeyID(s.ctx, s.cl, args[0])
			if err != nil {
				return err
			}
			if err := confirm(s, yes, "keys revoke", fmt.Sprintf("Revoke key %s? This cannot be undone.", keyLabel(id, name))); err != nil {
				return err
			}
			r, err := s.cl.RevokeKey(s.ctx, id)
			return s.answer(r, err, func() error {
				s.out.println(fmt.Sprintf("Revoked key %s at %s", r.KeyID, r.RevokedAt.UTC().Format(time.RFC3339)))
				return nil
			})
		}),
	}
	destructive(cmd, ios, &yes)
	return cmd
}
