package main

import (
	"bytes"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Webhook events page: the contract's top-level `webhooks` section (one
// entry per event type) rendered as one page, so the payloads users build
// against are the ones the contract, and the server's tests, hold.
const (
	WebhookEventsSlug  = "webhook-events"
	WebhookEventsTitle = "Webhook events"
)

// webhookEventsPage renders the page, or nil when the spec has no webhooks.
func (s *spec) webhookEventsPage() ([]byte, error) {
	hooks := pairs(get(s.root, "webhooks"))
	if len(hooks) == 0 {
		return nil, nil
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n\n", WebhookEventsTitle)
	b.WriteString("<!-- Generated from api/openapi.yaml by tools/docsgen; do not edit. -->\n\n")
	b.WriteString("Every delivery is a JSON object with `id`, `type`, `created_at` and `data`; ")
	b.WriteString("the fields of `data` depend on `type` and are listed below. Test events sent from ")
	b.WriteString("the console or `POST /api/v1/platform/webhooks/{id}/test` have exactly the shape of real ones ")
	b.WriteString("(their `id` starts with `evt_test_`). See [Receiving webhooks](receiving-webhooks) ")
	b.WriteString("for signatures, retries and de-duplication.\n\n")
	b.WriteString("| Event | When |\n|-------|------|\n")
	type ev struct {
		name string
		op   *yaml.Node
	}
	var evs []ev
	for _, h := range hooks {
		op := get(h.val, "post")
		if op == nil {
			return nil, fmt.Errorf("webhook %s: no post operation", h.key)
		}
		evs = append(evs, ev{h.key, op})
		fmt.Fprintf(&b, "| `%s` | %s |\n", h.key, oneLine(str(get(op, "summary"))))
	}
	for _, e := range evs {
		b.WriteString("\n---\n\n")
		if err := s.writeWebhookEvent(&b, e.name, e.op); err != nil {
			return nil, fmt.Errorf("webhook %s: %w", e.name, err)
		}
	}
	return b.Bytes(), nil
}

func (s *spec) writeWebhookEvent(b *bytes.Buffer, name string, op *yaml.Node) error {
	fmt.Fprintf(b, "## %s\n\n", name)
	if sum := str(get(op, "summary")); sum != "" {
		b.WriteString(sum + ".\n\n")
	}
	if d := strings.TrimSpace(str(get(op, "description"))); d != "" {
		b.WriteString(d + "\n\n")
	}
	rb, err := s.at(op, "requestBody")
	if err != nil || rb == nil {
		return fmt.Errorf("no request body: %v", err)
	}
	ps := pairs(get(rb, "content"))
	if len(ps) == 0 {
		return fmt.Errorf("request body without content")
	}
	mt := ps[0].val
	event, err := s.deref(get(mt, "schema"))
	if err != nil || event == nil {
		return fmt.Errorf("no schema: %v", err)
	}
	dataRef := get(get(event, "properties"), "data")
	if dataRef == nil {
		return fmt.Errorf("event schema without data")
	}
	fmt.Fprintf(b, "### `data` (%s)\n\n", refName(dataRef))
	if d, err := s.deref(dataRef); err == nil && d != nil {
		if desc := strings.TrimSpace(str(get(d, "description"))); desc != "" {
			b.WriteString(desc + "\n\n")
		}
	}
	if err := s.writeFields(b, dataRef); err != nil {
		return err
	}
	// Objects inside data (a contact, an actor) get their own table.
	data, _ := s.deref(dataRef)
	for _, p := range s.allProps(data) {
		if refName(p.val) == "" {
			continue
		}
		if d, err := s.deref(p.val); err == nil && schemaType(d) == "object" && get(d, "properties") != nil {
			fmt.Fprintf(b, "Fields of `%s` (%s):\n\n", p.key, refName(p.val))
			if err := s.writeFields(b, p.val); err != nil {
				return err
			}
		}
	}
	exs, err := s.examples(mt)
	if err != nil {
		return err
	}
	if len(exs) > 0 {
		b.WriteString("### Example\n\n")
		writeExample(b, exs[0], false, "json")
	}
	return nil
}

// allProps lists an object's properties, those of its allOf parts first.
func (s *spec) allProps(d *yaml.Node) []pair {
	var out []pair
	if all := get(d, "allOf"); all != nil {
		for _, part := range all.Content {
			if pd, err := s.deref(part); err == nil {
				out = append(out, s.allProps(pd)...)
			}
		}
	}
	return append(out, pairs(get(d, "properties"))...)
}
