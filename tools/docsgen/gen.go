package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/penguinmails/pmdev/models"
)

// Sidebar sections, in order.
const (
	SectionStart     = "Getting started"
	SectionEndpoints = "Endpoints"
	SectionSDKs      = "SDKs & libraries"
	SectionChangelog = "Changelog"
)

// handPage is a hand-written page under api/docs.
type handPage struct {
	slug, file, section string
}

// handPages lists the hand-written pages in sidebar order; endpoint pages are
// inserted after the Getting started ones.
func handPages() []handPage {
	return []handPage{
		{"authentication", "docs/getting-started/authentication.md", SectionStart},
		{"rate-limiting", "docs/getting-started/rate-limiting.md", SectionStart},
		{"errors", "docs/getting-started/errors.md", SectionStart},
		{"receiving-webhooks", "docs/getting-started/receiving-webhooks.md", SectionStart},
		{"sdks", "docs/sdks.md", SectionSDKs},
		{"changelog", "docs/changelog.md", SectionChangelog},
	}
}

// EndpointsDir holds the generated pages, relative to the api dir.
const EndpointsDir = "docs/endpoints"

// IndexFile is the generated index, relative to the api dir.
const IndexFile = "docs/index.json"

var methods = []string{"get", "post", "put", "patch", "delete", "head", "options"}

// operation is one method of one path.
type operation struct {
	method, path string
	node         *yaml.Node
	pathParams   *yaml.Node // path-level parameters
}

// result is one generation: file contents keyed by path relative to the api dir.
type result struct {
	files map[string][]byte
	index models.DocsIndex
	ops   []string // every operationId of the spec
}

// generate builds the endpoint pages and the index from the api dir. prev is
// the current index (may be nil): its updated_at is kept while the version
// is unchanged, so regenerating an unchanged tree changes nothing.
func generate(api fs.FS, prev *models.DocsIndex, now time.Time) (*result, error) {
	raw, err := fs.ReadFile(api, "openapi.yaml")
	if err != nil {
		return nil, err
	}
	s, err := parseSpec(raw)
	if err != nil {
		return nil, err
	}
	ops, err := s.operations()
	if err != nil {
		return nil, err
	}
	groups, seen := groupByTag(ops)
	order := s.orderTags(seen)
	res := &result{files: map[string][]byte{}}
	for _, op := range ops {
		res.ops = append(res.ops, str(get(op.node, "operationId")))
	}

	type built struct {
		ref  models.DocPageRef
		body []byte
	}
	var pages []built
	hand := handPages()
	addHand := func(h handPage) error {
		b, err := fs.ReadFile(api, h.file)
		if err != nil {
			return err
		}
		title := firstHeading(b)
		if title == "" {
			return fmt.Errorf("%s: no # title", h.file)
		}
		pages = append(pages, built{models.DocPageRef{Slug: h.slug, Title: title, Section: h.section}, b})
		return nil
	}
	for _, h := range hand {
		if h.section == SectionStart {
			if err := addHand(h); err != nil {
				return nil, err
			}
		}
	}
	for _, tag := range order {
		body, err := s.tagPage(tag, groups[tag])
		if err != nil {
			return nil, fmt.Errorf("tag %s: %w", tag, err)
		}
		slug := Slugify(tag)
		res.files[EndpointsDir+"/"+slug+".md"] = body
		pages = append(pages, built{models.DocPageRef{Slug: slug, Title: tag, Section: SectionEndpoints}, body})
	}
	// The event payloads follow the endpoint pages.
	if body, err := s.webhookEventsPage(); err != nil {
		return nil, err
	} else if body != nil {
		res.files[EndpointsDir+"/"+WebhookEventsSlug+".md"] = body
		pages = append(pages, built{models.DocPageRef{Slug: WebhookEventsSlug, Title: WebhookEventsTitle, Section: SectionEndpoints}, body})
	}
	for _, h := range hand {
		if h.section != SectionStart {
			if err := addHand(h); err != nil {
				return nil, err
			}
		}
	}

	sum := sha256.New()
	slugs := map[string]bool{}
	for _, p := range pages {
		if slugs[p.ref.Slug] {
			return nil, fmt.Errorf("two pages have the slug %q", p.ref.Slug)
		}
		slugs[p.ref.Slug] = true
		res.index.Pages = append(res.index.Pages, p.ref)
		fmt.Fprintf(sum, "%s\x00%s\x00", p.ref.Slug, p.body)
	}
	version := str(get(get(s.root, "info"), "version"))
	if version == "" {
		return nil, fmt.Errorf("openapi.yaml: info.version missing")
	}
	res.index.Version = version + "+" + hex.EncodeToString(sum.Sum(nil))[:10]
	res.index.UpdatedAt = now.UTC().Truncate(time.Second)
	if prev != nil && prev.Version == res.index.Version {
		res.index.UpdatedAt = prev.UpdatedAt
	}
	var idx bytes.Buffer
	enc := json.NewEncoder(&idx)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res.index); err != nil {
		return nil, err
	}
	res.files[IndexFile] = idx.Bytes()
	return res, nil
}

// operations lists every operation in file order.
func (s *spec) operations() ([]operation, error) {
	var out []operation
	ids := map[string]bool{}
	for _, p := range pairs(get(s.root, "paths")) {
		item, err := s.deref(p.val)
		if err != nil {
			return nil, err
		}
		for _, m := range methods {
			n := get(item, m)
			if n == nil {
				continue
			}
			id := str(get(n, "operationId"))
			if id == "" {
				return nil, fmt.Errorf("%s %s has no operationId", strings.ToUpper(m), p.key)
			}
			if ids[id] {
				return nil, fmt.Errorf("operationId %s is used twice", id)
			}
			ids[id] = true
			out = append(out, operation{method: strings.ToUpper(m), path: p.key, node: n, pathParams: get(item, "parameters")})
		}
	}
	return out, nil
}

// groupByTag groups operations by their first tag, in the order of the
// spec's tags list, then of first appearance; untagged ones go to "Other".
func groupByTag(ops []operation) (map[string][]operation, []string) {
	groups := map[string][]operation{}
	var seen []string
	for _, op := range ops {
		tag := "Other"
		if t := strs(get(op.node, "tags")); len(t) > 0 {
			tag = t[0]
		}
		if _, ok := groups[tag]; !ok {
			seen = append(seen, tag)
		}
		groups[tag] = append(groups[tag], op)
	}
	return groups, seen
}

// orderTags sorts used tags by the spec's tags list; unlisted ones follow.
func (s *spec) orderTags(used []string) []string {
	var out []string
	done := map[string]bool{}
	isUsed := map[string]bool{}
	for _, t := range used {
		isUsed[t] = true
	}
	if tags := get(s.root, "tags"); tags != nil {
		for _, t := range tags.Content {
			if name := str(get(t, "name")); isUsed[name] && !done[name] {
				out = append(out, name)
				done[name] = true
			}
		}
	}
	for _, t := range used {
		if !done[t] {
			out = append(out, t)
			done[t] = true
		}
	}
	return out
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// Slugify turns a tag into a page slug: "API keys" → "api-keys".
func Slugify(s string) string {
	return strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

func firstHeading(b []byte) string {
	for _, l := range strings.Split(string(b), "\n") {
		if t, ok := strings.CutPrefix(l, "# "); ok {
			return strings.TrimSpace(t)
		}
	}
	return ""
}

// oneLine flattens a description for a table cell.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

func (s *spec) tagDescription(tag string) string {
	if tags := get(s.root, "tags"); tags != nil {
		for _, t := range tags.Content {
			if str(get(t, "name")) == tag {
				return strings.TrimSpace(str(get(t, "description")))
			}
		}
	}
	return ""
}

// tagPage renders one endpoint page.
func (s *spec) tagPage(tag string, ops []operation) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n\n", tag)
	b.WriteString("<!-- Generated from api/openapi.yaml by tools/docsgen; do not edit. -->\n\n")
	if d := s.tagDescription(tag); d != "" {
		b.WriteString(d + "\n\n")
	}
	b.WriteString("| Method | Path | Summary |\n|--------|------|---------|\n")
	for _, op := range ops {
		fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", op.method, op.path, oneLine(str(get(op.node, "summary"))))
	}
	for _, op := range ops {
		b.WriteString("\n---\n\n")
		if err := s.writeOperation(&b, op); err != nil {
			return nil, fmt.Errorf("%s: %w", str(get(op.node, "operationId")), err)
		}
	}
	return b.Bytes(), nil
}

// auth describes the operation's credential and returns its DocAuth kind.
func (s *spec) auth(op operation) (string, string, error) {
	sec := get(op.node, "security")
	if sec == nil {
		sec = get(s.root, "security")
	}
	if sec == nil || len(sec.Content) == 0 {
		return "None", "", nil
	}
	var descs []string
	kind := ""
	for _, req := range sec.Content {
		for _, p := range pairs(req) {
			scheme, err := s.deref(get(get(get(s.root, "components"), "securitySchemes"), p.key))
			if err != nil || scheme == nil {
				return "", "", fmt.Errorf("unknown security scheme %q", p.key)
			}
			format := str(get(scheme, "bearerFormat"))
			switch {
			case strings.Contains(format, "pm_pat"):
				descs = append(descs, "personal access token, `Authorization: Bearer "+format+"`")
				kind = models.DocAuthToken
			case strings.Contains(format, "pm_live") || strings.Contains(format, "pm_test"):
				descs = append(descs, "API key, `Authorization: Bearer "+strings.ReplaceAll(format, " / ", "` or `")+"`")
				kind = models.DocAuthAPIKey
			default:
				descs = append(descs, "`"+p.key+"`")
			}
		}
	}
	if len(descs) == 0 {
		return "None", "", nil
	}
	return strings.Join(descs, "; or "), kind, nil
}

func (s *spec) rateLimitText(op operation, responses *yaml.Node) string {
	if rl := get(op.node, "x-ratelimit"); rl != nil {
		cost := str(get(rl, "cost"))
		if cost == "" {
			cost = "1"
		}
		what := "request"
		if cost != "1" {
			what = "requests"
		}
		return fmt.Sprintf("counts as %s %s against the API key's bucket (your plan's per-minute limit and burst: Starter 60/100, Professional 300/500, Business 1000/2000); see [Rate limiting](rate-limiting)", cost, what)
	}
	if get(responses, "429") != nil {
		return "not limited per key; too many requests in a short time answer `429` with `Retry-After`"
	}
	return "none"
}

func (s *spec) writeOperation(b *bytes.Buffer, op operation) error {
	n := op.node
	id := str(get(n, "operationId"))
	summary := str(get(n, "summary"))
	if summary == "" {
		summary = op.method + " " + op.path
	}
	fmt.Fprintf(b, "## %s\n\n", summary)
	fmt.Fprintf(b, "```http\n%s %s\n```\n\n", op.method, op.path)

	authText, authKind, err := s.auth(op)
	if err != nil {
		return err
	}
	responses := get(n, "responses")
	fmt.Fprintf(b, "- **Authentication:** %s\n", authText)
	if p := str(get(n, "x-permission")); p != "" {
		fmt.Fprintf(b, "- **Permission:** `%s`\n", p)
	}
	if r := strs(get(n, "x-roles")); len(r) > 0 {
		fmt.Fprintf(b, "- **Roles:** %s\n", strings.Join(r, ", "))
	}
	fmt.Fprintf(b, "- **Rate limit:** %s\n", s.rateLimitText(op, responses))
	fmt.Fprintf(b, "- **Operation ID:** `%s`\n\n", id)
	if d := strings.TrimSpace(str(get(n, "description"))); d != "" {
		b.WriteString(d + "\n\n")
	}

	meta := models.DocOperation{ID: id, Method: op.method, Path: op.path, Summary: summary, Auth: authKind, Permission: str(get(n, "x-permission"))}

	params, err := s.params(op)
	if err != nil {
		return err
	}
	if len(params) > 0 {
		b.WriteString("### Parameters\n\n| Parameter | Type | Description |\n|-----------|------|-------------|\n")
		for _, p := range params {
			where := p.In
			if p.Required {
				where += ", required"
			}
			desc := oneLine(strings.TrimSpace(p.desc + " " + p.extra))
			fmt.Fprintf(b, "| `%s` (%s) | %s | %s |\n", p.Name, where, p.typ, desc)
			meta.Params = append(meta.Params, p.DocParam)
		}
		b.WriteString("\n")
	}

	if rb, err := s.at(n, "requestBody"); err != nil {
		return err
	} else if rb != nil {
		body, err := s.writeRequestBody(b, rb)
		if err != nil {
			return err
		}
		meta.Body = body
	}

	// The console and `pmdev docs` replace this line with a code example in
	// the reader's language; other readers see nothing.
	b.WriteString(models.DocOpMarker(meta) + "\n\n")

	b.WriteString("### Responses\n\n")
	for _, p := range sortedStatus(pairs(responses)) {
		r, err := s.deref(p.val)
		if err != nil {
			return err
		}
		if err := s.writeResponse(b, p.key, r); err != nil {
			return fmt.Errorf("response %s: %w", p.key, err)
		}
	}
	return nil
}

type param struct {
	models.DocParam
	typ, desc, extra string
}

// params merges path-level and operation parameters (the operation wins).
func (s *spec) params(op operation) ([]param, error) {
	var out []param
	index := map[string]int{}
	for _, list := range []*yaml.Node{op.pathParams, get(op.node, "parameters")} {
		if list == nil {
			continue
		}
		for _, raw := range list.Content {
			p, err := s.deref(raw)
			if err != nil {
				return nil, err
			}
			schema := get(p, "schema")
			ex := str(get(p, "example"))
			if ex == "" {
				if v, err := s.sample(schema, 0); err == nil && v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
					ex = v.Value
				}
			}
			extra := s.constraints(schema)
			if e := str(get(p, "example")); e != "" {
				extra = strings.TrimSpace(extra + " Example `" + e + "`.")
			}
			pr := param{
				DocParam: models.DocParam{Name: str(get(p, "name")), In: str(get(p, "in")), Required: str(get(p, "required")) == "true", Example: ex},
				typ:      s.typeLabel(schema),
				desc:     strings.TrimSpace(str(get(p, "description"))),
				extra:    extra,
			}
			key := pr.In + ":" + pr.Name
			if i, ok := index[key]; ok {
				out[i] = pr
				continue
			}
			index[key] = len(out)
			out = append(out, pr)
		}
	}
	return out, nil
}
