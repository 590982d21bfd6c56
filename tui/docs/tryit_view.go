package docs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/styles"
	"github.com/penguinmails/pmdev/tui/common"
)

// headerName spells the rate-limit headers as the API and its docs do; Go
// canonicalises them to "Ratelimit" and "X-Ratelimit-Limit".
func headerName(n string) string {
	switch {
	case strings.EqualFold(n, "ratelimit"):
		return "RateLimit"
	case strings.HasPrefix(strings.ToLower(n), "ratelimit-"):
		return "RateLimit-" + n[len("ratelimit-"):]
	case strings.HasPrefix(strings.ToLower(n), "x-ratelimit-"):
		return "X-RateLimit-" + n[len("x-ratelimit-"):]
	}
	return n
}

// wrapLines word-wraps a styled line to w columns.
func wrapLines(s string, w int) []string {
	return strings.Split(ansi.Wrap(s, max(w, 10), " "), "\n")
}

// rateHeader reports whether a response header is about rate limiting.
func rateHeader(name string) bool {
	n := strings.ToLower(name)
	return strings.HasPrefix(n, "x-ratelimit") || strings.HasPrefix(n, "ratelimit") || n == "retry-after"
}

// renderResponse lays out the status, headers and body of the answer.
func (t *tryIt) renderResponse(m *Model) {
	t.lines = nil
	if t.resp == nil {
		return
	}
	st := m.ctx.Styles
	r := t.resp
	status := fmt.Sprintf("%d %s", r.Status, http.StatusText(r.Status))
	style := st.Success
	switch {
	case r.Status >= 500:
		style = st.Danger
	case r.Status == http.StatusTooManyRequests:
		style = st.Warning
	case r.Status >= 400:
		style = st.Danger
	}
	t.lines = append(t.lines, style.Bold(true).Render(status)+st.Muted.Render(fmt.Sprintf(" · %s · %d bytes", r.Latency.Round(time.Millisecond/10), len(r.Body))))
	names := make([]string, 0, len(r.Header))
	for n := range r.Header {
		names = append(names, n)
	}
	// Rate-limit headers first, then the rest alphabetically.
	sort.Slice(names, func(i, j int) bool {
		if rateHeader(names[i]) != rateHeader(names[j]) {
			return rateHeader(names[i])
		}
		return names[i] < names[j]
	})
	for _, n := range names {
		v := common.Sanitize(strings.Join(r.Header[n], ", "))
		if rateHeader(n) {
			t.lines = append(t.lines, st.Accent.Bold(true).Render(headerName(n)+": ")+st.Warning.Render(v))
		} else {
			t.lines = append(t.lines, st.Muted.Render(n+": ")+v)
		}
	}
	t.lines = append(t.lines, "")
	t.lines = append(t.lines, strings.Split(highlightJSON(r.Body, st), "\n")...)
}

// highlightJSON pretty-prints a JSON body with colours; anything else is
// shown as sanitised text. String contents are sanitised too: JSON allows
// C1 controls and bidi overrides inside strings.
func highlightJSON(body []byte, st *styles.Styles) string {
	var buf bytes.Buffer
	if len(bytes.TrimSpace(body)) == 0 {
		return st.Muted.Render("(empty body)")
	}
	if json.Indent(&buf, body, "", "  ") != nil {
		return common.SanitizeMultiline(string(body))
	}
	s := buf.String()
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(s))
			tok := common.Sanitize(s[i:j])
			k := j
			for k < len(s) && s[k] == ' ' {
				k++
			}
			if k < len(s) && s[k] == ':' {
				b.WriteString(st.Accent.Render(tok))
			} else {
				b.WriteString(st.Success.Render(tok))
			}
			i = j
		case c == '-' || (c >= '0' && c <= '9'):
			j := i
			for j < len(s) && strings.IndexByte("+-.eE0123456789", s[j]) >= 0 {
				j++
			}
			b.WriteString(st.Info.Render(s[i:j]))
			i = j
		case c == 't' || c == 'f' || c == 'n':
			j := i
			for j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
				j++
			}
			b.WriteString(st.Warning.Render(s[i:j]))
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// View implements dialog.Dialog: the form over the response, w×h.
func (t *tryIt) View(w, h int) string {
	m := t.m
	st := m.ctx.Styles
	var out []string
	title := st.Title.Render("Try it") + " " + st.Bold.Render(t.op.Method+" "+t.op.Path)
	out = append(out, common.Fit(title+"  "+st.Muted.Render(t.op.Summary), w))
	label := func(i int, s string) string {
		l := fmt.Sprintf("%-12s", s)
		if i == t.focusIdx {
			return st.Accent.Bold(true).Render("▸ " + l)
		}
		return st.Muted.Render("  " + l)
	}
	for i, f := range t.fields {
		name := f.param.Name
		if f.param.In == "query" {
			name = "?" + name
		}
		out = append(out, common.Fit(label(i, name)+f.input.View(), w))
	}
	if t.hasKey {
		i := len(t.fields)
		line := label(i, "API key") + t.key.View()
		if v := strings.TrimSpace(t.key.Value()); v != "" {
			if models.ValidKeyChecksum(v) {
				line = label(i, "API key") + st.Success.Render(models.MaskKey(v)+" ✓ checksum ok")
			} else {
				line = label(i, "API key") + st.Danger.Render("•••• ✗ not a valid key")
			}
		} else if m.tempKey != "" && m.ctx.Sandbox {
			line = label(i, "API key") + st.Muted.Render("temporary sandbox key "+models.MaskKey(m.tempKey))
		}
		out = append(out, common.Fit(line, w))
	} else {
		who := "none needed"
		if t.op.Auth == models.DocAuthToken {
			who = "your signed-in token"
			if m.ctx.Me.Email != "" {
				who += " (" + common.Sanitize(m.ctx.Me.Email) + ")"
			}
		}
		out = append(out, common.Fit(st.Muted.Render("  Auth        ")+who, w))
	}
	if t.hasBody {
		out = append(out, common.Fit(label(t.slots()-2, "JSON body"), w))
		out = append(out, strings.Split(t.body.View(), "\n")...)
	}
	send := "[ Send ]"
	if t.slot(t.focusIdx) == "send" {
		send = st.Selected.Render(send)
	}
	if t.sending {
		send += " " + m.spin.View() + " sending…"
	}
	out = append(out, common.Fit("  "+send, w))
	switch {
	// Errors wrap: the end of the sentence says what to do.
	case t.formErr != "":
		out = append(out, wrapLines(st.Danger.Render("✗ "+t.formErr), w)...)
	case t.respErr != "":
		out = append(out, wrapLines(st.Danger.Render("✗ "+t.respErr), w)...)
	case t.note != "":
		out = append(out, common.Fit(st.Muted.Render(t.note), w))
	}
	out = append(out, common.Fit(st.Subtle.Render(strings.Repeat("─", w)), w))
	for i := t.scroll; i < len(t.lines) && len(out) < h; i++ {
		out = append(out, common.Fit(t.lines[i], w))
	}
	for len(out) < h {
		out = append(out, "")
	}
	if len(out) > h {
		out = out[:h]
	}
	for i := range out {
		if ansi.StringWidth(out[i]) > w {
			out[i] = ansi.Truncate(out[i], w, "…")
		}
	}
	return strings.Join(out, "\n")
}
