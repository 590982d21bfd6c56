package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// spec is api/openapi.yaml kept as a YAML node tree, so examples keep the
// author's key order and local $refs can be followed.
type spec struct {
	root *yaml.Node // the document's top mapping
}

func parseSpec(b []byte) (*spec, error) {
	var d yaml.Node
	if err := yaml.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	if d.Kind != yaml.DocumentNode || len(d.Content) == 0 || d.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("openapi.yaml: not a mapping")
	}
	return &spec{root: d.Content[0]}, nil
}

// get returns the value of key in mapping n, or nil.
func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

type pair struct {
	key string
	val *yaml.Node
}

func pairs(n *yaml.Node) []pair {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]pair, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, pair{n.Content[i].Value, n.Content[i+1]})
	}
	return out
}

func str(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func strs(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	var out []string
	for _, c := range n.Content {
		if c.Kind == yaml.ScalarNode {
			out = append(out, c.Value)
		}
	}
	return out
}

// refName is the last segment of n's $ref, or "".
func refName(n *yaml.Node) string {
	r := str(get(n, "$ref"))
	if r == "" {
		return ""
	}
	return r[strings.LastIndex(r, "/")+1:]
}

// deref follows local $refs ("#/components/...").
func (s *spec) deref(n *yaml.Node) (*yaml.Node, error) {
	for range 32 {
		r := str(get(n, "$ref"))
		if r == "" {
			return n, nil
		}
		if !strings.HasPrefix(r, "#/") {
			return nil, fmt.Errorf("unsupported $ref %q", r)
		}
		cur := s.root
		for _, seg := range strings.Split(r[2:], "/") {
			seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
			cur = get(cur, seg)
			if cur == nil {
				return nil, fmt.Errorf("dangling $ref %q", r)
			}
		}
		n = cur
	}
	return nil, fmt.Errorf("$ref cycle")
}

// at is get + deref; a missing key is (nil, nil).
func (s *spec) at(n *yaml.Node, key string) (*yaml.Node, error) {
	v := get(n, key)
	if v == nil {
		return nil, nil
	}
	return s.deref(v)
}

// jsonOf encodes n as indented JSON in the YAML's key order.
func (s *spec) jsonOf(n *yaml.Node) (string, error) {
	var b bytes.Buffer
	if err := s.writeJSON(&b, n, ""); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (s *spec) writeJSON(b *bytes.Buffer, n *yaml.Node, indent string) error {
	n, err := s.deref(n)
	if err != nil {
		return err
	}
	switch n.Kind {
	case yaml.AliasNode:
		return s.writeJSON(b, n.Alias, indent)
	case yaml.MappingNode:
		if len(n.Content) == 0 {
			b.WriteString("{}")
			return nil
		}
		return writeLines(b, indent, "{", "}", len(n.Content)/2, func(i int) error {
			b.WriteString(jsonString(n.Content[2*i].Value))
			b.WriteString(": ")
			return s.writeJSON(b, n.Content[2*i+1], indent+"  ")
		})
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			b.WriteString("[]")
			return nil
		}
		if allScalars(n) {
			b.WriteByte('[')
			for i, c := range n.Content {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(scalarJSON(c))
			}
			b.WriteByte(']')
			return nil
		}
		return writeLines(b, indent, "[", "]", len(n.Content), func(i int) error {
			return s.writeJSON(b, n.Content[i], indent+"  ")
		})
	case yaml.ScalarNode:
		b.WriteString(scalarJSON(n))
	default:
		b.WriteString("null")
	}
	return nil
}

// writeLines writes an object or array of n members one a line, each
// indented a level deeper than indent and written by member.
func writeLines(b *bytes.Buffer, indent, open, close string, n int, member func(i int) error) error {
	b.WriteString(open + "\n")
	for i := range n {
		b.WriteString(indent + "  ")
		if err := member(i); err != nil {
			return err
		}
		if i+1 < n {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString(indent + close)
	return nil
}

// sampleProperties appends a sample of each of schema's properties to m.
func (s *spec) sampleProperties(m *yaml.Node, schema *yaml.Node, depth int) error {
	for _, p := range pairs(get(schema, "properties")) {
		v, err := s.sample(p.val, depth+1)
		if err != nil {
			return err
		}
		m.Content = append(m.Content, scalar("!!str", p.key), v)
	}
	return nil
}

func allScalars(n *yaml.Node) bool {
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			return false
		}
	}
	return len(n.Content) <= 8
}

func scalarJSON(n *yaml.Node) string {
	switch n.Tag {
	case "!!int", "!!float":
		if _, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return n.Value
		}
	case "!!bool":
		return strings.ToLower(n.Value)
	case "!!null":
		return "null"
	}
	return jsonString(n.Value)
}

func jsonString(v string) string {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	_ = e.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}

// sample builds an example value from a schema when the spec gives none.
func (s *spec) sample(schema *yaml.Node, depth int) (*yaml.Node, error) {
	schema, err := s.deref(schema)
	if err != nil || schema == nil {
		return scalar("!!null", "null"), err
	}
	for _, k := range []string{"example", "const", "default"} {
		if v := get(schema, k); v != nil {
			return v, nil
		}
	}
	if v := get(schema, "examples"); v != nil && v.Kind == yaml.SequenceNode && len(v.Content) > 0 {
		return v.Content[0], nil
	}
	if v := get(schema, "enum"); v != nil && len(v.Content) > 0 {
		return v.Content[0], nil
	}
	if depth > 6 {
		return scalar("!!null", "null"), nil
	}
	for _, k := range []string{"oneOf", "anyOf"} {
		if v := get(schema, k); v != nil && len(v.Content) > 0 {
			return s.sample(v.Content[0], depth+1)
		}
	}
	if all := get(schema, "allOf"); all != nil {
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, part := range all.Content {
			v, err := s.sample(part, depth+1)
			if err != nil {
				return nil, err
			}
			if v.Kind == yaml.MappingNode {
				m.Content = append(m.Content, v.Content...)
			}
		}
		// Properties next to allOf extend the shared ones.
		return m, s.sampleProperties(m, schema, depth)
	}
	switch schemaType(schema) {
	case "object":
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		return m, s.sampleProperties(m, schema, depth)
	case "array":
		v, err := s.sample(get(schema, "items"), depth+1)
		if err != nil {
			return nil, err
		}
		return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{v}}, nil
	case "integer", "number":
		return scalar("!!int", "0"), nil
	case "boolean":
		return scalar("!!bool", "false"), nil
	case "string":
		switch str(get(schema, "format")) {
		case "date-time":
			return scalar("!!str", "2025-11-26T10:00:00Z"), nil
		case "email":
			return scalar("!!str", "user@example.com"), nil
		case "uuid":
			return scalar("!!str", "550e8400-e29b-41d4-a716-446655440000"), nil
		}
		return scalar("!!str", "string"), nil
	}
	return scalar("!!null", "null"), nil
}

func scalar(tag, v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v} }

// schemaType is the schema's main type ("string" for ["string","null"]).
func schemaType(schema *yaml.Node) string {
	for _, t := range strs(get(schema, "type")) {
		if t != "null" {
			return t
		}
	}
	if get(schema, "properties") != nil {
		return "object"
	}
	return ""
}

// typeLabel describes a schema in a table cell: "string (uuid)", "array of KeyStatus".
func (s *spec) typeLabel(schema *yaml.Node) string {
	if schema == nil {
		return ""
	}
	name := refName(schema)
	d, err := s.deref(schema)
	if err != nil {
		return name
	}
	t := schemaType(d)
	nullable := false
	for _, x := range strs(get(d, "type")) {
		nullable = nullable || x == "null"
	}
	var out string
	switch {
	case t == "array":
		out = "array of " + s.typeLabel(get(d, "items"))
	case t == "object" && name != "":
		out = name
	case t == "":
		v := get(d, "oneOf")
		if v == nil {
			v = get(d, "anyOf")
		}
		if v != nil {
			var alts []string
			for _, c := range v.Content {
				if strs(get(c, "type")) != nil && schemaType(c) == "" && refName(c) == "" {
					nullable = true // {type: 'null'}: the alternative is "nullable"
					continue
				}
				alts = append(alts, s.typeLabel(c))
			}
			out = strings.Join(alts, " or ")
		} else if name != "" {
			out = name
		} else {
			out = "any"
		}
	default:
		out = t
		if f := str(get(d, "format")); f != "" {
			out += " (" + f + ")"
		}
	}
	if nullable {
		out += ", nullable"
	}
	return out
}

// constraints describes enum, default and bounds in words.
func (s *spec) constraints(schema *yaml.Node) string {
	d, err := s.deref(schema)
	if err != nil || d == nil {
		return ""
	}
	if schemaType(d) == "array" {
		if items, err := s.deref(get(d, "items")); err == nil && items != nil && get(items, "enum") != nil {
			d = items
		}
	}
	var parts []string
	if e := strs(get(d, "enum")); len(e) > 0 {
		parts = append(parts, "One of "+codeList(e)+".")
	}
	if v := str(get(d, "default")); v != "" {
		parts = append(parts, "Default `"+v+"`.")
	}
	lo, hi := str(get(d, "minimum")), str(get(d, "maximum"))
	switch {
	case lo != "" && hi != "":
		parts = append(parts, "Range "+lo+"–"+hi+".")
	case lo != "":
		parts = append(parts, "Minimum "+lo+".")
	case hi != "":
		parts = append(parts, "Maximum "+hi+".")
	}
	if v := str(get(d, "maxLength")); v != "" {
		parts = append(parts, "At most "+v+" characters.")
	}
	if v := str(get(d, "maxItems")); v != "" {
		parts = append(parts, "At most "+v+" items.")
	}
	return strings.Join(parts, " ")
}

func codeList(v []string) string {
	q := make([]string, len(v))
	for i, x := range v {
		if x == "" {
			x = `""` // an empty code span would vanish
		}
		q[i] = "`" + x + "`"
	}
	return strings.Join(q, ", ")
}

// sortedStatus orders response codes numerically, "default" last.
func sortedStatus(ps []pair) []pair {
	out := append([]pair(nil), ps...)
	sort.SliceStable(out, func(i, j int) bool { return statusKey(out[i].key) < statusKey(out[j].key) })
	return out
}

func statusKey(code string) int {
	if n, err := strconv.Atoi(code); err == nil {
		return n
	}
	if len(code) == 3 && strings.HasSuffix(strings.ToUpper(code), "XX") {
		return int(code[0]-'0')*100 + 99
	}
	return 1000
}
