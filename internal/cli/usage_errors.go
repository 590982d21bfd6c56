package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// exportMaxRows bounds an export as the console's does (about 20 MB of CSV).
const exportMaxRows = 100_000

func usageErrorsCmd(o *apiOpts, ios *streams, f *rangeFlags) *cobra.Command {
	var export string
	var limit int
	cmd := &cobra.Command{
		Use:   "errors [--export FILE.csv]",
		Short: "Failed requests of the window, newest first",
		Long: `List the recorded failed requests (4xx and 5xx, 429 included) of the
window, newest first; --export writes them all (up to 100,000) to a new CSV
file, the same file the console's Usage tab exports ("-" is stdout). During
floods only a sample is recorded (per key and minute at most 10 429s and 100
of each other status), so there may be fewer rows than "pmdev usage" counts
errors.`,
		Args: noArgs,
		Example: `  pmdev usage errors --range 1h
  pmdev usage errors --range 7d --key "Production Server" --export errors.csv`,
	}
	cmd.RunE = o.run(ios, func(s *session, _ []string) error {
		p, err := f.params(s, cmd.Flags())
		if err != nil {
			return err
		}
		if export != "" {
			if s.out.json {
				return usagef("--export writes CSV; it cannot be combined with --json or --jq")
			}
			return exportErrors(s, p, export)
		}
		if limit < 0 {
			return usagef("--limit must be 0 (all) or more")
		}
		errs, more, err := s.cl.AllUsageErrors(s.ctx, p, limit)
		cut := ""
		if more {
			cut = fmt.Sprintf("Showing the newest %d; --limit 0 lists all, --export FILE.csv saves them.", len(errs))
		}
		return emitList(s, errs, err, "No failed requests in this window.", cut,
			func(errs []models.RecentError) *table { return errorsTable(s.out, errs) })
	})
	cmd.Flags().StringVar(&export, "export", "", "write the window's recorded failed requests to this new CSV file")
	cmd.Flags().IntVarP(&limit, "limit", "L", 100, "list at most this many (0: all)")
	_ = cmd.MarkFlagFilename("export", "csv")
	return cmd
}

// errorsTable: script lines have the CSV's columns in the CSV's order.
func errorsTable(o *output, errs []models.RecentError) *table {
	t := &table{cols: []column{{title: "TIME"}, {title: "ENDPOINT", flex: true, min: 20}, {title: "STATUS", right: true},
		{title: "CODE", drop: 2}, {title: "MESSAGE", flex: true, min: 16, drop: 3}, {title: "KEY ID", drop: 1}, {title: "KEY", flex: true, min: 12}}}
	for _, e := range errs {
		st := o.st.Warning
		if e.Status >= 500 {
			st = o.st.Danger
		}
		t.add(cellPlain(e.Time.Local().Format("Jan 02 15:04:05"), e.Time.UTC().Format(time.RFC3339)),
			cellText(common.Sanitize(e.Endpoint)), cellStyled(strconv.Itoa(e.Status), st),
			cellText(common.Sanitize(e.ErrorCode)), cellText(common.Sanitize(e.Message)),
			cellText(common.Sanitize(e.KeyID)), cellText(common.Sanitize(e.KeyName)))
	}
	return t
}

// exportErrors pages in the whole error log first, then writes the file,
// so a failed fetch leaves no half file; it never overwrites one.
func exportErrors(s *session, p models.UsageParams, path string) error {
	errs, more, err := s.cl.AllUsageErrors(s.ctx, p, exportMaxRows)
	if err != nil {
		return err
	}
	var w io.Writer = s.ios.out
	var f *os.File
	if path != "-" {
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("--export %s: the file exists; remove it or choose another name", path)
		}
		if err != nil {
			return fmt.Errorf("--export: %w", err)
		}
		w = f
	}
	err = common.WriteErrorsCSV(w, errs)
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("--export %s: %w", path, err)
	}
	if path != "-" {
		msg := fmt.Sprintf("✓ Wrote %s failed requests to %s", common.Thousands(int64(len(errs))), path)
		if more {
			msg += fmt.Sprintf(" (the newest %s; narrow the window for the rest)", common.Thousands(exportMaxRows))
		}
		s.ios.hint(msg)
	}
	return nil
}
