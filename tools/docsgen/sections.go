// Request, field and response sections of an endpoint page, and the check
// that every operation is documented somewhere.
package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/penguinmails/pmdev/models"
)

// writeRequestBody documents the body and returns the first example as JSON.
func (s *spec) writeRequestBody(b *bytes.Buffer, rb *yaml.Node) (string, error) {
	b.WriteString("### Request body\n\n")
	content := get(rb, "content")
	req := "optional"
	if str(get(rb, "required")) == "true" {
		req = "required"
	}
	first := ""
	// The API takes JSON only, so the first media type is the one documented.
	if ps := pairs(content); len(ps) > 0 {
		ct := ps[0]
		fmt.Fprintf(b, "`%s`, %s.", ct.key, req)
		if d := strings.TrimSpace(str(get(rb, "description"))); d != "" {
			b.WriteString(" " + d)
		}
		b.WriteString("\n\n")
		schema := get(ct.val, "schema")
		if err := s.writeFields(b, schema); err != nil {
			return "", err
		}
		exs, err := s.examples(ct.val)
		if err != nil {
			return "", err
		}
		for _, e := range exs {
			if first == "" {
				first = e.json
			}
			writeExample(b, e, len(exs) > 1, "json")
		}
	}
	return first, nil
}

// writeFields renders the top-level properties of an object schema.
func (s *spec) writeFields(b *bytes.Buffer, schema *yaml.Node) error {
	d, err := s.deref(schema)
	if err != nil || d == nil {
		return err
	}
	var props []pair
	var parts []*yaml.Node
	if all := get(d, "allOf"); all != nil {
		parts = all.Content
	}
	for _, part := range parts {
		pd, err := s.deref(part)
		if err != nil {
			return err
		}
		props = append(props, pairs(get(pd, "properties"))...)
	}
	props = append(props, pairs(get(d, "properties"))...)
	if len(props) == 0 {
		return nil
	}
	required := map[string]bool{}
	for _, r := range strs(get(d, "required")) {
		required[r] = true
	}
	b.WriteString("| Field | Type | Description |\n|-------|------|-------------|\n")
	for _, p := range props {
		pd, err := s.deref(p.val)
		if err != nil {
			return err
		}
		name := "`" + p.key + "`"
		if required[p.key] {
			name += " (required)"
		}
		desc := strings.TrimSpace(str(get(pd, "description")) + " " + s.constraints(p.val))
		fmt.Fprintf(b, "| %s | %s | %s |\n", name, s.typeLabel(p.val), oneLine(desc))
	}
	b.WriteString("\n")
	return nil
}

type example struct {
	summary, json string
}

// examples returns a media type's examples: `example`, each of `examples`,
// or one built from the schema.
func (s *spec) examples(mt *yaml.Node) ([]example, error) {
	if v := get(mt, "example"); v != nil {
		j, err := s.jsonOf(v)
		return []example{{json: j}}, err
	}
	var out []example
	for _, p := range pairs(get(mt, "examples")) {
		e, err := s.deref(p.val)
		if err != nil {
			return nil, err
		}
		v := get(e, "value")
		if v == nil {
			continue
		}
		j, err := s.jsonOf(v)
		if err != nil {
			return nil, err
		}
		sum := str(get(e, "summary"))
		if sum == "" {
			sum = p.key
		}
		out = append(out, example{summary: sum, json: j})
	}
	if len(out) > 0 {
		return out, nil
	}
	schema := get(mt, "schema")
	if schema == nil {
		return nil, nil
	}
	v, err := s.sample(schema, 0)
	if err != nil {
		return nil, err
	}
	j, err := s.jsonOf(v)
	return []example{{json: j}}, err
}

func writeExample(b *bytes.Buffer, e example, label bool, lang string) {
	if label && e.summary != "" {
		fmt.Fprintf(b, "Example: *%s*\n\n", e.summary)
	}
	fmt.Fprintf(b, "```%s\n%s\n```\n\n", lang, e.json)
}

func (s *spec) writeResponse(b *bytes.Buffer, code string, r *yaml.Node) error {
	title := statusText(code)
	fmt.Fprintf(b, "#### %s %s\n\n", code, title)
	if d := strings.TrimSpace(str(get(r, "description"))); d != "" {
		b.WriteString(d + "\n\n")
	}
	if hs := pairs(get(r, "headers")); len(hs) > 0 {
		b.WriteString("| Header | Description |\n|--------|-------------|\n")
		for _, h := range hs {
			hd, err := s.deref(h.val)
			if err != nil {
				return err
			}
			desc := str(get(hd, "description"))
			if e := str(get(hd, "example")); e != "" {
				desc += " Example `" + e + "`."
			}
			fmt.Fprintf(b, "| `%s` | %s |\n", h.key, oneLine(desc))
		}
		b.WriteString("\n")
	}
	for _, ct := range pairs(get(r, "content")) {
		exs, err := s.examples(ct.val)
		if err != nil {
			return err
		}
		if ct.key != "application/json" {
			fmt.Fprintf(b, "`%s`\n\n", ct.key)
		}
		for _, e := range exs {
			writeExample(b, e, len(exs) > 1, "json")
		}
	}
	return nil
}

func statusText(code string) string {
	texts := map[string]string{
		"200": "OK", "201": "Created", "202": "Accepted", "204": "No Content", "304": "Not Modified",
		"400": "Bad Request", "401": "Unauthorized", "403": "Forbidden", "404": "Not Found",
		"405": "Method Not Allowed", "408": "Request Timeout", "409": "Conflict", "410": "Gone", "413": "Payload Too Large",
		"414": "URI Too Long", "415": "Unsupported Media Type", "422": "Unprocessable Entity", "429": "Too Many Requests",
		"431": "Request Header Fields Too Large",
		"500": "Internal Server Error", "502": "Bad Gateway", "503": "Service Unavailable", "default": "Any other status",
	}
	return texts[code]
}

// checkOperations reports operations of the spec that no page documents and
// pages that name an operation the spec no longer has (scanning every
// Markdown file under docs/, hand-written ones included).
func checkOperations(api fs.FS, specOps []string) error {
	want := map[string]bool{}
	for _, id := range specOps {
		want[id] = true
	}
	found := map[string]string{}
	var errs []string
	err := fs.WalkDir(api, "docs", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".md") {
			return err
		}
		b, err := fs.ReadFile(api, p)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.Contains(line, "pmdev:op") {
				continue
			}
			op, ok := models.ParseDocOpMarker(line)
			switch {
			case !ok:
				errs = append(errs, fmt.Sprintf("%s: unreadable operation marker", p))
			case !want[op.ID]:
				errs = append(errs, fmt.Sprintf("%s documents %s, which api/openapi.yaml no longer has", p, op.ID))
			case found[op.ID] != "":
				errs = append(errs, fmt.Sprintf("%s is documented twice (%s, %s)", op.ID, found[op.ID], p))
			default:
				found[op.ID] = p
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range specOps {
		if found[id] == "" {
			errs = append(errs, fmt.Sprintf("operation %s has no docs page", id))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}
