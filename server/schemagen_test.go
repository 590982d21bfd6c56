package server

// A generator of instances of JSON Schemas (as kin-openapi loads them) for
// the property test: strings from patterns, enums and formats, numbers
// within bounds, objects with their required and some optional fields,
// one branch of each anyOf/oneOf. What it cannot aim at (not, cross-field
// rules) is left to the contract validator, which decides what is sent.

import (
	"fmt"
	"math/rand/v2"
	"regexp/syntax"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

type schemaGen struct {
	rnd  *rand.Rand
	now  time.Time
	regs map[string]*syntax.Regexp // parsed patterns
}

// value is a random instance of s.
func (g *schemaGen) value(s *openapi3.Schema) any {
	s = g.pickBranch(s)
	if s.Const != nil {
		return s.Const
	}
	if len(s.Enum) > 0 {
		return s.Enum[g.rnd.IntN(len(s.Enum))]
	}
	types := []string{}
	if s.Type != nil {
		types = slices.Clone(*s.Type)
	}
	if slices.Contains(types, "null") && (len(types) == 1 || g.rnd.IntN(5) == 0) {
		return nil
	}
	types = slices.DeleteFunc(types, func(t string) bool { return t == "null" })
	typ := "object"
	if len(types) > 0 {
		typ = types[g.rnd.IntN(len(types))]
	}
	switch typ {
	case "string":
		return g.str(s)
	case "integer":
		lo, hi := g.bounds(s, -1000, 1000)
		return lo + g.rnd.Int64N(hi-lo+1)
	case "number":
		lo, hi := g.bounds(s, -1000, 1000)
		return float64(lo) + g.rnd.Float64()*float64(hi-lo)
	case "boolean":
		return g.rnd.IntN(2) == 0
	case "array":
		n := g.count(s.MinItems, s.MaxItems, 4)
		out := make([]any, n)
		for i := range out {
			out[i] = g.value(s.Items.Value)
		}
		return out
	}
	return g.object(s)
}

// pickBranch folds allOf and one branch of anyOf/oneOf into s: required
// lists are joined and a branch's property constraints (minLength) are laid
// over the base property.
func (g *schemaGen) pickBranch(s *openapi3.Schema) *openapi3.Schema {
	parts := slices.Clone(s.AllOf)
	for _, alt := range []openapi3.SchemaRefs{s.AnyOf, s.OneOf} {
		if len(alt) > 0 {
			parts = append(parts, alt[g.rnd.IntN(len(alt))])
		}
	}
	if len(parts) == 0 {
		return s
	}
	m := *s
	m.AllOf, m.AnyOf, m.OneOf = nil, nil, nil
	m.Properties = openapi3.Schemas{}
	for k, v := range s.Properties {
		m.Properties[k] = v
	}
	m.Required = slices.Clone(s.Required)
	for _, p := range parts {
		b := g.pickBranch(p.Value)
		m.Required = append(m.Required, b.Required...)
		if m.Type == nil {
			m.Type = b.Type
		}
		for k, v := range b.Properties {
			base, ok := m.Properties[k]
			if !ok || base.Value == nil {
				m.Properties[k] = v
				continue
			}
			over := *base.Value
			over.MinLength = max(over.MinLength, v.Value.MinLength)
			m.Properties[k] = openapi3.NewSchemaRef("", &over)
		}
	}
	return &m
}

func (g *schemaGen) bounds(s *openapi3.Schema, lo, hi int64) (int64, int64) {
	if s.Min != nil {
		lo = int64(*s.Min)
		if s.Max == nil {
			hi = lo + 1000
		}
	}
	if s.Max != nil {
		hi = int64(*s.Max)
		if s.Min == nil {
			lo = hi - 1000
		}
	}
	// Edges are where rules break: pick them one time in four.
	switch g.rnd.IntN(8) {
	case 0:
		return lo, lo
	case 1:
		return hi, hi
	}
	return lo, hi
}

// count is a length in [lo, hi] (hi nil: lo+spread), small more often.
func (g *schemaGen) count(lo uint64, hi *uint64, spread uint64) int {
	top := lo + spread
	if hi != nil && *hi < top {
		top = *hi
	}
	if hi != nil && g.rnd.IntN(10) == 0 {
		top = *hi // sometimes the maximum itself
		return int(top)
	}
	return int(lo) + g.rnd.IntN(int(top-lo)+1)
}

func (g *schemaGen) object(s *openapi3.Schema) map[string]any {
	out := map[string]any{}
	for name, p := range s.Properties {
		if slices.Contains(s.Required, name) || g.rnd.IntN(2) == 0 {
			out[name] = g.value(p.Value)
		}
	}
	if extra := s.AdditionalProperties.Schema; extra != nil {
		n := g.count(s.MinProps, s.MaxProps, 3)
		var names *openapi3.Schema
		if s.PropertyNames != nil {
			names = s.PropertyNames.Value
		} else {
			names = &openapi3.Schema{MinLength: 1}
		}
		for range n {
			out[g.str(names)] = g.value(extra.Value)
		}
	}
	return out
}

func (g *schemaGen) str(s *openapi3.Schema) string {
	for range 50 {
		var v string
		switch {
		case s.Format == "date-time":
			d := time.Duration(g.rnd.Int64N(int64(800 * 24 * time.Hour)))
			v = g.now.Add(-400 * 24 * time.Hour).Add(d).UTC().Truncate(time.Second).Format(time.RFC3339)
		case s.Format == "uuid":
			v = fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", g.rnd.Uint32(), g.rnd.IntN(1<<16), g.rnd.IntN(1<<12), g.rnd.IntN(1<<12), g.rnd.Int64N(1<<48))
		case s.Format == "uri": // before the pattern, which only bans characters
			v = "https://" + g.fromPattern("^[a-z]{1,12}(\\.[a-z]{2,8}){1,2}$") + "/" + g.fromPattern("^[a-z0-9/_-]{0,20}$")
		case s.Pattern != "":
			v = g.fromPattern(s.Pattern)
		default:
			v = g.text(int(s.MinLength), s.MaxLength)
		}
		if n := uint64(utf8.RuneCountInString(v)); n >= s.MinLength && (s.MaxLength == nil || n <= *s.MaxLength) {
			return v
		}
	}
	return strings.Repeat("a", int(s.MinLength))
}

// text is an unconstrained string: letters, digits, punctuation, spaces,
// accented and wide letters, emoji, and now and then a control character
// (an unconstrained schema allows one, so the server must too).
func (g *schemaGen) text(minLen int, maxLen *uint64) string {
	alphabet := []rune("abcXYZ019 .,-_/:;!?'\"<>@#%&*()[]{}éüßñ日本語кир🐧")
	n := g.count(uint64(minLen), maxLen, 24)
	var b strings.Builder
	for range n {
		if g.rnd.IntN(40) == 0 {
			b.WriteRune(rune(g.rnd.IntN(0x20)))
			continue
		}
		b.WriteRune(alphabet[g.rnd.IntN(len(alphabet))])
	}
	return b.String()
}

// fromPattern is a random string the pattern matches.
func (g *schemaGen) fromPattern(pattern string) string {
	re := g.regs[pattern]
	if re == nil {
		var err error
		if re, err = syntax.Parse(pattern, syntax.Perl); err != nil {
			panic(fmt.Sprintf("pattern %q: %v", pattern, err))
		}
		if g.regs == nil {
			g.regs = map[string]*syntax.Regexp{}
		}
		g.regs[pattern] = re
	}
	var b strings.Builder
	g.regex(re, &b)
	return b.String()
}

func (g *schemaGen) regex(re *syntax.Regexp, b *strings.Builder) {
	switch re.Op {
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
	case syntax.OpCharClass:
		b.WriteRune(g.classRune(re.Rune))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteRune(rune('a' + g.rnd.IntN(26)))
	case syntax.OpCapture:
		g.regex(re.Sub[0], b)
	case syntax.OpConcat:
		for _, s := range re.Sub {
			g.regex(s, b)
		}
	case syntax.OpAlternate:
		g.regex(re.Sub[g.rnd.IntN(len(re.Sub))], b)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, 6
		switch re.Op {
		case syntax.OpPlus:
			lo = 1
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Max
			if hi < 0 || hi > lo+6 && g.rnd.IntN(4) > 0 {
				hi = lo + 6
			}
		}
		for range lo + g.rnd.IntN(hi-lo+1) {
			g.regex(re.Sub[0], b)
		}
	}
}

// classRune picks a rune of a class (pairs of ranges), printable ASCII
// more often than not, never a surrogate.
func (g *schemaGen) classRune(ranges []rune) rune {
	type span struct{ lo, hi rune }
	var all, ascii []span
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		all = append(all, span{lo, hi})
		if l, h := max(lo, 0x20), min(hi, 0x7e); l <= h {
			ascii = append(ascii, span{l, h})
		}
	}
	pool := all
	if len(ascii) > 0 && g.rnd.IntN(3) > 0 {
		pool = ascii
	}
	for {
		sp := pool[g.rnd.IntN(len(pool))]
		hi := min(sp.hi, 0x2FFFF) // keep to planes that are mostly assigned
		if hi < sp.lo {
			hi = sp.hi
		}
		r := sp.lo + rune(g.rnd.Int64N(int64(hi-sp.lo)+1))
		if utf8.ValidRune(r) {
			return r
		}
	}
}
