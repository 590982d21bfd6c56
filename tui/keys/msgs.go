package keys

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

const (
	// perPage is one page of the list; the next loads as the cursor nears
	// the end of what is loaded.
	perPage = 200
	// ioTimeout bounds a single request; listTimeout bounds a whole multi-page fetch.
	ioTimeout   = 15 * time.Second
	listTimeout = 60 * time.Second
)

func res(id uint64) common.Result { return common.Result{Pane: common.PaneKeys, ReqID: id} }

// keysLoadedMsg is the result of a (multi-page) list fetch.
type keysLoadedMsg struct {
	common.Result
	query       models.KeyListParams // what the pages answer
	pages       [][]models.APIKey
	next        []string // each page's next cursor; "" after the last page
	total       int      // keys matching the query (the first page's count)
	notModified bool
	err         error
}

// keysMoreMsg is the page after the loaded ones.
type keysMoreMsg struct {
	query models.KeyListParams
	after string // the cursor it continues
	rows  []models.APIKey
	next  string
	err   error
}

// keyPart is one part of the details view's data for a key: its details
// and usage, or its security events.
type keyPart[T any] struct {
	common.Result
	keyID string
	v     T
	err   error
}

type (
	detailsMsg  = keyPart[models.APIKeyDetails]
	securityMsg = keyPart[models.KeySecurity]
)

// createdMsg carries the plaintext out of the client; it is moved into the
// show-once modal and then dropped.
type createdMsg struct {
	common.Result
	created   models.CreatedAPIKey
	plaintext common.Secret
	rotated   string // old key id when this came from a rotation
	err       error
}

func (m createdMsg) String() string { return "keys.createdMsg{redacted}" }

type updatedMsg struct {
	common.Result
	key models.APIKey
	err error
}

type revokedMsg struct {
	common.Result
	keyID string
	res   models.RevokeResult
	err   error
}

type envWrittenMsg struct {
	common.Result
	path string
	err  error
}

// fetchKeys reads the first want pages of q (fewer when the list ends).
// Pages answered 304 are taken from prev (with their next cursors in
// prevNext), so an unchanged list costs no decode and yields notModified.
func fetchKeys(c *client.Client, id uint64, q models.KeyListParams, prev [][]models.APIKey, prevNext []string, prevTotal, want int) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(client.WithCacheScope(context.Background(), "keys"), listTimeout)
		defer cancel()
		msg := keysLoadedMsg{Result: res(id), query: q, notModified: true}
		retried := false
		cursor := ""
		for page := 0; page < max(1, want); page++ {
			pctx, pcancel := context.WithTimeout(ctx, ioTimeout)
			p := q
			p.Cursor = cursor
			list, err := c.ListKeys(pctx, p)
			pcancel()
			var rows []models.APIKey
			var next string
			switch {
			case errors.Is(err, client.ErrNotModified) && page < len(prev) && page < len(prevNext):
				rows, next = prev[page], prevNext[page]
				if page == 0 {
					msg.total = prevTotal
				}
			case errors.Is(err, client.ErrNotModified) && !retried:
				// The client remembers an ETag we have no data for: start over unconditionally.
				c.ForgetETags()
				retried, page, cursor, msg.pages, msg.next, msg.notModified = true, -1, "", nil, nil, true
				prev, prevNext = nil, nil
				continue
			case err != nil:
				msg.err = err
				msg.pages, msg.next = nil, nil
				return msg
			default:
				rows, next = list.APIKeys, list.NextCursor
				if page == 0 {
					msg.total = list.Total
				}
				msg.notModified = false
			}
			msg.pages = append(msg.pages, rows)
			msg.next = append(msg.next, next)
			if next == "" {
				break
			}
			cursor = next
		}
		if len(msg.pages) != len(prev) {
			msg.notModified = false
		}
		return msg
	}
}

// fetchMore reads the page of q that after continues to.
func fetchMore(c *client.Client, q models.KeyListParams, after string) tea.Cmd {
	return common.Call(ioTimeout, func(ctx context.Context) tea.Msg {
		p := q
		p.Cursor = after
		list, err := c.ListKeys(client.WithCacheScope(ctx, "keys"), p)
		if errors.Is(err, client.ErrNotModified) {
			// A page we do not hold cannot be unchanged: ask again in full.
			c.ForgetETags()
			list, err = c.ListKeys(client.WithCacheScope(ctx, "keys"), p)
		}
		return keysMoreMsg{query: q, after: after, rows: list.APIKeys, next: list.NextCursor, err: err}
	})
}

// fetchPart reads one part of the details of keyID with get (a client method).
func fetchPart[T any](id uint64, keyID string, get func(context.Context, string) (T, error)) tea.Cmd {
	return common.Call(ioTimeout, func(ctx context.Context) tea.Msg {
		v, err := get(ctx, keyID)
		return keyPart[T]{Result: res(id), keyID: keyID, v: v, err: err}
	})
}

func createKey(c *client.Client, id uint64, req models.CreateAPIKeyRequest) tea.Cmd {
	return common.Call(ioTimeout, func(ctx context.Context) tea.Msg {
		k, err := c.CreateKey(ctx, req)
		pt := common.NewSecret(k.Plaintext)
		k.Plaintext = ""
		return createdMsg{Result: res(id), created: k, plaintext: pt, err: err}
	})
}

func rotateKey(c *client.Client, id uint64, keyID string, graceHours int) tea.Cmd {
	return common.Call(ioTimeout, func(ctx context.Context) tea.Msg {
		h := graceHours
		k, err := c.RegenerateKey(ctx, keyID, models.RegenerateRequest{GracePeriodHours: &h})
		pt := common.NewSecret(k.Plaintext)
		k.Plaintext = ""
		return createdMsg{Result: res(id), created: k, plaintext: pt, rotated: keyID, err: err}
	})
}

func updateKey(c *client.Client, id uint64, keyID string, req models.UpdateAPIKeyRequest) tea.Cmd {
	return common.Call(ioTimeout, func(ctx context.Context) tea.Msg {
		k, err := c.UpdateKey(ctx, keyID, req)
		return updatedMsg{Result: res(id), key: k, err: err}
	})
}

func revokeKey(c *client.Client, id uint64, keyID string) tea.Cmd {
	return common.Call(ioTimeout, func(ctx context.Context) tea.Msg {
		r, err := c.RevokeKey(ctx, keyID)
		return revokedMsg{Result: res(id), keyID: keyID, res: r, err: err}
	})
}

const envVar = "PENGUINMAILS_API_KEY"

// envExists reports whether dir/.env exists (checked before asking to overwrite).
func envPath(dir string) string { return filepath.Join(dir, ".env") }

// writeEnv sets PENGUINMAILS_API_KEY in dir/.env with mode 0600. Other lines
// of an existing file are kept; the caller has confirmed the overwrite.
func writeEnv(files common.Files, id uint64, dir string, key common.Secret) tea.Cmd {
	return func() tea.Msg {
		path := envPath(dir)
		return envWrittenMsg{Result: res(id), path: path, err: writeEnvFile(files, path, key.Reveal())}
	}
}

func writeEnvFile(files common.Files, path, key string) error {
	var lines []string
	old, err := files.ReadFile(path)
	switch {
	case err == nil:
		for _, l := range strings.Split(strings.TrimRight(string(old), "\n"), "\n") {
			t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "export "))
			if strings.HasPrefix(t, envVar+"=") || t == "# DO NOT COMMIT THIS FILE TO VERSION CONTROL" {
				continue
			}
			lines = append(lines, l)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	out := "# DO NOT COMMIT THIS FILE TO VERSION CONTROL\n" + envVar + "=" + key + "\n"
	if len(lines) > 0 && strings.Join(lines, "") != "" {
		out += strings.Join(lines, "\n") + "\n"
	}
	// Files writes a 0600 temp file and renames it: the key is never world-readable.
	return files.WriteFile(path, []byte(out), 0o600)
}
