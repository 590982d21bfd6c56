package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/penguinmails/pmdev/internal/sshconsole"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server"
)

// serverDirectory adapts the reference server to what the SSH console needs
// (sshconsole.Directory), so that package never imports server.
type serverDirectory struct{ srv *server.Server }

func (d serverDirectory) UserBySSHKey(ctx context.Context, fingerprint string) (models.Me, error) {
	me, err := d.srv.UserBySSHKey(ctx, fingerprint)
	if errors.Is(err, server.ErrSSHKeyNotFound) {
		return me, fmt.Errorf("%w: %w", sshconsole.ErrUnknownKey, err)
	}
	return me, err
}

func (d serverDirectory) MintToken(ctx context.Context, email string, ttl time.Duration) (string, error) {
	return d.srv.MintToken(ctx, email, ttl)
}

func (d serverDirectory) TouchSSHKey(ctx context.Context, fingerprint string) error {
	return d.srv.TouchSSHKey(ctx, fingerprint)
}
