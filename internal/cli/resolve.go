package cli

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// Commands take a key as its id or its name. A name means the current key
// of that name: rotation keeps the name on both keys, so the one rotated
// away (and revoked or expired ones) give way to the live one. A name that
// still matches several keys is refused with the candidates listed.

// resolveKeyID returns the id (and name, for questions) that arg stands for.
func resolveKeyID(ctx context.Context, cl *client.Client, arg string) (id, name string, err error) {
	if _, perr := uuid.Parse(arg); perr == nil {
		return arg, "", nil
	}
	k, err := keyByName(ctx, cl, arg)
	if err != nil {
		return "", "", err
	}
	return k.KeyID, k.Name, nil
}

func keyByName(ctx context.Context, cl *client.Client, name string) (models.APIKey, error) {
	if name == "" {
		return models.APIKey{}, usagef("empty key id or name")
	}
	var matches []models.APIKey
	if utf8.RuneCountInString(name) <= models.KeyNameMaxLen {
		all, _, err := cl.ListAllKeys(ctx, models.KeyListParams{Q: name}, 0)
		if err != nil {
			return models.APIKey{}, err
		}
		matches = exactNames(all, name, false)
		if len(matches) == 0 {
			matches = exactNames(all, name, true)
		}
	}
	switch len(matches) {
	case 0:
		return models.APIKey{}, notFoundf("no API key with id or name %q (pmdev keys list --search shows similar names)", common.Sanitize(name))
	case 1:
		return matches[0], nil
	}
	var current []models.APIKey
	for _, k := range matches {
		if k.Status == models.KeyActive && k.ReplacedBy == "" {
			current = append(current, k)
		}
	}
	if len(current) == 1 {
		return current[0], nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d API keys are named %q; use an id:", len(matches), common.Sanitize(name))
	for _, k := range matches {
		st := k.Status
		if k.ReplacedBy != "" {
			st += ", rotated"
		}
		fmt.Fprintf(&b, "\n  %s  %s  %s  created %s", k.KeyID, common.Sanitize(k.MaskedKey), st, k.CreatedAt.UTC().Format("2006-01-02"))
	}
	return models.APIKey{}, usagef("%s", b.String())
}

func exactNames(keys []models.APIKey, name string, fold bool) []models.APIKey {
	var out []models.APIKey
	for _, k := range keys {
		if k.Name == name || fold && strings.EqualFold(k.Name, name) {
			out = append(out, k)
		}
	}
	return out
}

// resolveWebhook returns the endpoint arg names: its id, or its exact URL
// when one endpoint has it.
func resolveWebhook(ctx context.Context, cl *client.Client, arg string) (models.Webhook, error) {
	if strings.HasPrefix(arg, "wh_") {
		return cl.GetWebhook(ctx, arg)
	}
	list, err := cl.ListWebhooks(ctx)
	if err != nil {
		return models.Webhook{}, err
	}
	var matches []models.Webhook
	for _, w := range list.Data {
		if w.URL == arg || w.ID == arg {
			matches = append(matches, w)
		}
	}
	switch len(matches) {
	case 0:
		return models.Webhook{}, notFoundf("no webhook endpoint with id or URL %q (pmdev webhooks list shows them)", common.Sanitize(arg))
	case 1:
		return matches[0], nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d webhook endpoints have the URL %q; use an id:", len(matches), common.Sanitize(arg))
	for _, w := range matches {
		fmt.Fprintf(&b, "\n  %s  %s  %s", w.ID, w.DisplayStatus(), common.Sanitize(w.Description))
	}
	return models.Webhook{}, usagef("%s", b.String())
}
