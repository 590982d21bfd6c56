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
	// perPage is the server's maximum page size; 10,000 keys take 10 requests.
	perPage = 1000
	// ioTimeout bounds a single request; listTimeout bounds a whole multi-page fetch.
	ioTimeout   = 15 * time.Second
	listTimeout = 60 * time.Second
)

func res(id uint64) common.Result { return common.Result{Pane: common.PaneKeys, ReqID: id} }

// keysLoadedMsg is the result of a (multi-page) list fetch.
type keysLoadedMsg struct {
	common.Result
	pages       [][]models.APIKey
	notModified bool
	err         error
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

// fetchKeys reads every page of the key list. Pages answered 304 are taken
// from prev, so an unchanged list costs no decode and yields notModified.
func fetchKeys(c *client.Client, id uint64, prev [][]models.APIKey) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(client.WithCacheScope(context.Background(), "keys"), listTimeout)
		defer cancel()
		msg := keysLoadedMsg{Result: res(id), notModified: true}
		retried := false
		for page := 1; ; page++ {
			pctx, pcancel := context.WithTimeout(ctx, ioTimeout)
			list, err := c.ListKeys(pctx, models.KeyListParams{Page: page, PerPage: perPage})
			pcancel()
			var rows []models.APIKey
			switch {
			case errors.Is(err, client.ErrNotModified) && page <= len(prev):
				rows = prev[page-1]
			case errors.Is(err, client.ErrNotModified) && !retried:
				// The client remembers an ETag we have no data for: start over unconditionally.
				c.ForgetETags()
				retried, page, msg.pages, msg.notModified = true, 0, nil, true
				prev = nil
				continue
			case err != nil:
				msg.err = err
				msg.pages = nil
				return msg
			default:
				rows = list.APIKeys
				msg.notModified = false
			}
			msg.pages = append(msg.pages, rows)
			if len(rows) < perPage || page >= 1000 {
				break
			}
		}
		if len(msg.pages) != len(prev) {
			msg.notModified = false
		}
		return msg
	}
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
