package cli

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/tui/common"
)

// apiErrorText words a client error for stderr and picks the exit status:
// 3 for 401/403, 4 for 404, 5 for 429, 130 when interrupted, 1 otherwise.
// Every string from the server is sanitised: stderr is often a terminal.
func apiErrorText(e *client.Error) (string, int) {
	switch e.Kind {
	case client.KindNetwork:
		return common.Sanitize(fmt.Sprintf("cannot reach %s (%s)", e.URL, e.Message)), 1
	case client.KindTimeout:
		return common.Sanitize(fmt.Sprintf("%s did not answer in time", e.URL)), 1
	case client.KindCanceled:
		return "interrupted", 130
	case client.KindDecode:
		return common.Sanitize(e.Message), 1
	}
	head := fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	detail := ""
	if p := e.Problem; p != nil {
		detail = firstNonEmpty(p.Detail, p.Message, p.Title)
	}
	msg := head
	if detail != "" {
		msg += ": " + common.Sanitize(detail)
	}
	var lines []string
	if p := e.Problem; p != nil {
		for _, f := range p.Errors {
			if len(p.Errors) == 1 && f.Message == detail {
				msg += " (" + common.Sanitize(f.Field) + ")"
				continue
			}
			lines = append(lines, "  "+common.Sanitize(f.Field)+": "+common.Sanitize(f.Message))
		}
	}
	code := 1
	switch e.Status {
	case http.StatusUnauthorized:
		msg += " (set PENGUINMAILS_TOKEN, pass --token or use --profile)"
		code = 3
	case http.StatusForbidden:
		if e.Problem != nil && e.Problem.Permission != "" {
			msg += " (needs " + common.Sanitize(e.Problem.Permission) + ")"
		}
		code = 3
	case http.StatusNotFound:
		code = 4
	case http.StatusTooManyRequests:
		if e.RetryAfter > 0 {
			msg += fmt.Sprintf(" (Retry-After: %d s; retry after %s)", int(e.RetryAfter.Round(1e9).Seconds()), e.RetryAfter.Round(1e9))
		} else {
			msg += " (no Retry-After given; wait a moment)"
		}
		code = 5
	}
	if len(lines) > 0 {
		msg += "\n" + strings.Join(lines, "\n")
	}
	return msg, code
}

// apiFieldAnnotation names the request fields a flag sets when they are
// not the flag's name with _ for - (--ip sets allowed_ips).
const apiFieldAnnotation = "pmdev_api_field"

// setsField records on flag that it sets the request fields, so the
// server's refusal of one names the flag.
func setsField(fs *pflag.FlagSet, flag string, fields ...string) {
	_ = fs.SetAnnotation(flag, apiFieldAnnotation, fields)
}

// flagFor is the flag of cmd that sets field (or holds it, as --data holds
// data.to), or "".
func flagFor(cmd *cobra.Command, field string) string {
	found := ""
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		fields := f.Annotations[apiFieldAnnotation]
		if fields == nil {
			fields = []string{strings.ReplaceAll(f.Name, "-", "_")}
		}
		for _, x := range fields {
			if found == "" && (field == x || strings.HasPrefix(field, x+".") || strings.HasPrefix(field, x+"[")) {
				found = f.Name
			}
		}
	})
	return found
}

// flagProblem makes a 400 about fields that cmd's flags set a usage error
// (exit 2) naming the flags: the server's rules are the flags' rules, even
// those the command cannot check first. Other errors pass unchanged.
func flagProblem(cmd *cobra.Command, err error) error {
	e, ok := client.AsError(err)
	if !ok || e.Status != http.StatusBadRequest || e.Problem == nil {
		return err
	}
	var lines []string
	named := false
	for _, fe := range e.Problem.Errors {
		field, msg := common.Sanitize(fe.Field), common.Sanitize(fe.Message)
		if flag := flagFor(cmd, fe.Field); flag != "" {
			lines, named = append(lines, fmt.Sprintf("--%s: %s (%s)", flag, msg, field)), true
		} else {
			lines = append(lines, field+": "+msg)
		}
	}
	if !named {
		return err
	}
	return usagef("%s", strings.Join(lines, "\n"))
}
