package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/itchyny/gojq"

	"github.com/penguinmails/pmdev/styles"
	"github.com/penguinmails/pmdev/tui/common"
)

// output is where a command's result goes: a table or field list for
// people on a terminal, tab-separated lines for scripts, or the API's JSON
// (optionally through a jq filter).
type output struct {
	ios   *streams
	w     io.Writer // stdout; on a terminal through the colour profile
	st    *styles.Styles
	json  bool
	jq    *gojq.Code
	width int // columns to fit tables into on a terminal
}

// newOutput picks the format from the flags and the streams. Colour only
// on a terminal, and never with NO_COLOR or --no-color.
func newOutput(ios *streams, jsonFlag bool, jqExpr string, noColor bool) (*output, error) {
	o := &output{ios: ios, w: ios.out, st: styles.New(true), json: jsonFlag || jqExpr != "", width: ios.width}
	if jqExpr != "" {
		q, err := gojq.Parse(jqExpr)
		if err != nil {
			return nil, usagef("--jq: %v", err)
		}
		if o.jq, err = gojq.Compile(q); err != nil {
			return nil, usagef("--jq: %v", err)
		}
	}
	if o.width <= 0 {
		o.width = 80
	}
	if ios.outTTY {
		p := colorprofile.Env(ios.environ)
		if noColor || ios.getenv("NO_COLOR") != "" {
			p = min(p, colorprofile.Ascii)
		}
		o.w = &colorprofile.Writer{Forward: ios.out, Profile: p}
	}
	return o, nil
}

// human reports whether people read the output: a table on a terminal.
func (o *output) human() bool { return !o.json && o.ios.outTTY }

// emit prints v as JSON when asked for it; otherwise it calls text, which
// writes the table or lines. The JSON is v re-encoded: the API's own
// shapes, since client and server share the models.
func (o *output) emit(v any, text func() error) error {
	if !o.json {
		return text()
	}
	return o.writeJSON(v)
}

// answer prints the API's answer v as emit does, or returns err when the
// call failed instead.
func (s *session) answer(v any, err error, text func() error) error {
	if err != nil {
		return err
	}
	return s.out.emit(v, text)
}

// emitList prints a list the API answered (or returns err): a JSON array,
// never null; for people the table of the items, the hint none when there
// are none, and the hint more (if any) after the table when it was cut.
func emitList[T any](s *session, items []T, err error, none, more string, rows func([]T) *table) error {
	if err != nil {
		return err
	}
	if items == nil {
		items = []T{}
	}
	return s.out.emit(items, func() error {
		if len(items) == 0 {
			s.ios.hint(none)
			return nil
		}
		rows(items).print(s.out)
		if more != "" {
			s.ios.hint(more)
		}
		return nil
	})
}

// writeJSON prints v (indented on a terminal, one line otherwise), or the
// results of the --jq filter: strings bare, everything else as JSON.
func (o *output) writeJSON(v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	if o.jq == nil {
		return o.writeValue(json.RawMessage(bytes.TrimSpace(buf.Bytes())))
	}
	dec := json.NewDecoder(&buf)
	dec.UseNumber()
	var in any
	if err := dec.Decode(&in); err != nil {
		return err
	}
	iter := o.jq.Run(in)
	for {
		r, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := r.(error); isErr {
			if h, halt := err.(*gojq.HaltError); halt && h.Value() == nil {
				return nil
			}
			return fmt.Errorf("--jq: %v", err)
		}
		if err := o.writeValue(r); err != nil {
			return err
		}
	}
}

func (o *output) writeValue(v any) error {
	if s, ok := v.(string); ok {
		if o.ios.outTTY {
			s = sanitizeKeepingLayout(s)
		}
		_, err := fmt.Fprintln(o.ios.out, s)
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if o.ios.outTTY {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := o.ios.out.Write(buf.Bytes())
	return err
}

// println writes one line to stdout.
func (o *output) println(s string) { _, _ = io.WriteString(o.w, s+"\n") }

// style renders s in st on a terminal (the profile strips what it cannot show).
func (o *output) style(st lipgloss.Style, s string) string {
	if !o.ios.outTTY {
		return s
	}
	return st.Render(s)
}

// field is one "label value" line of a details view.
type field struct {
	label, value string
	style        *lipgloss.Style
}

// fields prints a details view: aligned labels on a terminal, "label:\tvalue"
// lines otherwise. Values are sanitised by the caller.
func (o *output) fields(fs []field) {
	if !o.ios.outTTY {
		for _, f := range fs {
			o.println(strings.ReplaceAll(strings.ToLower(f.label), " ", "_") + ":\t" + f.value)
		}
		return
	}
	w := 0
	for _, f := range fs {
		w = max(w, common.Width(f.label))
	}
	for _, f := range fs {
		v := f.value
		if f.style != nil {
			v = o.style(*f.style, v)
		}
		o.println(o.style(o.st.Label, common.Pad(f.label, w)) + "  " + v)
	}
}

// heading prints a section title on a terminal (scripts get none).
func (o *output) heading(s string) {
	if o.ios.outTTY {
		o.println("")
		o.println(o.style(o.st.Heading, s))
	}
}

// sanitizeKeepingLayout strips escape sequences and control characters
// from a string bound for a terminal, keeping its newlines and tabs (a jq
// @tsv line stays a line of fields). Piped output is left exact.
func sanitizeKeepingLayout(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		fields := strings.Split(l, "\t")
		for j, f := range fields {
			fields[j] = common.Sanitize(f)
		}
		lines[i] = strings.Join(fields, "\t")
	}
	return strings.Join(lines, "\n")
}
