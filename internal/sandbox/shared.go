package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/penguinmails/pmdev/server"
)

// A serving sandbox leaves its address next to its database, so commands
// run meanwhile (pmdev trigger, listen, logs tail, keys …) use that server
// instead of starting their own: an event triggered in one terminal reaches
// the listen or the console of another. The first server to serve keeps the
// file; it is removed when that server closes.

// servingFile names the file holding a serving sandbox's address.
func servingFile(db string) string { return db + ".serving" }

// announce records sb as the sandbox serving db unless another already
// does (serving, as probed at start).
func (sb *Sandbox) announce(db string, another bool) {
	if another {
		return
	}
	if os.WriteFile(servingFile(db), []byte(sb.BaseURL+"\n"), 0o600) == nil {
		sb.announced = db
	}
}

// retire removes the address file if it is still sb's.
func (sb *Sandbox) retire() {
	if sb.announced == "" {
		return
	}
	if b, err := os.ReadFile(servingFile(sb.announced)); err == nil && strings.TrimSpace(string(b)) == sb.BaseURL {
		_ = os.Remove(servingFile(sb.announced))
	}
}

// serving returns the address of the sandbox serving db, if one answers.
func serving(db string) (string, bool) {
	b, err := os.ReadFile(servingFile(db))
	if err != nil {
		return "", false
	}
	url := strings.TrimSpace(string(b))
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		return "", false // not written by us
	}
	c := http.Client{Timeout: time.Second}
	res, err := c.Get(url + "/healthz")
	if err != nil {
		return "", false
	}
	res.Body.Close()
	return url, res.StatusCode == http.StatusOK
}

// ErrNotServing: no other process serves the sandbox.
var ErrNotServing = errors.New("no sandbox is serving")

// Attach signs in to the sandbox another pmdev process serves on o.DBPath
// (a token minted in the shared database) without serving one here; Close
// of the result stops nothing. ErrNotServing when none answers.
func Attach(ctx context.Context, o Options) (*Sandbox, error) {
	url, ok := serving(o.DBPath)
	if !ok {
		return nil, ErrNotServing
	}
	srv, err := server.Open(ctx, server.Config{DBPath: o.DBPath, NoWebhooks: true, Personal: true, Logger: o.Logger})
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	tok, err := srv.MintToken(ctx, o.Email, 12*time.Hour)
	if cerr := srv.Close(ctx); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox: sign in as %s: %w", o.Email, err)
	}
	return &Sandbox{BaseURL: url, Token: tok, Attached: true}, nil
}
