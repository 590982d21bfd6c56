package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/penguinmails/pmdev/server/httpx"
	"github.com/penguinmails/pmdev/server/keys"
	"github.com/penguinmails/pmdev/server/notify"
	"github.com/penguinmails/pmdev/server/store"
	"github.com/penguinmails/pmdev/server/store/pgsql"
	"github.com/penguinmails/pmdev/server/store/sqlite"
	"github.com/penguinmails/pmdev/server/stream"
	"github.com/penguinmails/pmdev/server/webhook"
)

// WebhookKeyEnv is the environment variable the commands read the webhook
// sealing key from (64 hexadecimal digits); several instances on one
// database must share the key.
const WebhookKeyEnv = "PMDEV_WEBHOOK_KEY"

// startWebhooks opens the webhook service on the shared database; it is
// the server's Events hook and writes its changes to the shared audit log.
func (s *Server) startWebhooks(ctx context.Context) error {
	key, keyFile, err := s.cfg.webhookKey()
	if err != nil {
		return err
	}
	svc, err := webhook.Open(ctx, webhook.Config{
		DB:           s.db,
		Logger:       s.log.With("component", "webhooks"),
		Now:          s.cfg.Now,
		AllowPrivate: s.cfg.AllowPrivateWebhooks,
		Schedule:     s.cfg.WebhookRetrySchedule,
		Key:          key,
		KeyFile:      keyFile,
		Audit:        s.auditWebhook,
		Shared:       pgsql.Is(s.db),
		ClaimTimeout: s.cfg.WebhookClaimTimeout,
		Singleton:    s.lead.Held,
		Tap:          stream.EventTap{Hub: s.streams},
	})
	if err != nil {
		return s.cfg.explainKeyError(err)
	}
	s.webhooks = svc
	s.setEvents(svc)
	h := hook{s}
	s.notify = notify.Start(notify.Config{DB: s.db, Keys: s.st, Events: h, Wants: h.Wants,
		Log: s.log.With("component", "webhook-notices"), Now: s.cfg.Now, ScanEvery: s.cfg.WebhookNoticeScan,
		Rotation: keys.New(s.db, s.st, s.keyring, s.limiter, s.now).RotationFor, Singleton: s.lead.Held})
	return nil
}

func (s *Server) auditWebhook(ctx context.Context, ex webhook.Execer, tenantID, id, action, actor, ip, detail string) error {
	return s.st.InsertAudit(ctx, ex, store.AuditEntry{TenantID: tenantID, TargetType: store.AuditTargetWebhook, TargetID: id,
		At: s.now(), Action: action, Actor: actor, ActorFingerprint: httpx.ActorFingerprint(ctx), IP: ip, Detail: detail})
}

// IsPostgres reports whether a --db value names a PostgreSQL database (a
// postgres:// or postgresql:// URL) rather than a SQLite file.
func IsPostgres(db string) bool { return pgsql.IsURL(db) }

// DisplayDB is a --db value fit for logs and messages (no password).
func DisplayDB(db string) string { return pgsql.Redact(db) }

// webhookKeyFile sits next to the database; in-memory databases get an
// in-memory key, and PostgreSQL none (the key must be given).
func webhookKeyFile(dbPath string) string {
	if dbPath == "" || pgsql.IsURL(dbPath) || strings.Contains(dbPath, ":memory:") || strings.Contains(dbPath, "mode=memory") {
		return ""
	}
	return dbPath + ".webhook-key"
}

// ErrWebhookKeyRequired is returned by Open on PostgreSQL without a sealing
// key: every instance on the database must seal with the same key, so it
// cannot be a file each creates next to its database.
var ErrWebhookKeyRequired = errors.New("webhook sealing key required on PostgreSQL: every instance must seal webhook secrets with the same key, " +
	"so give it in " + WebhookKeyEnv + " (64 hexadecimal digits, e.g. from `openssl rand -hex 32`) or in a file named by --webhook-key-file, " +
	"the same for every instance (a key file next to the database exists only for SQLite)")

// webhookKey is the sealing key the config gives (nil when it is read from
// the key file) and the key file (WebhookKeyFile, else next to the database).
func (c Config) webhookKey() ([]byte, string, error) {
	if pgsql.IsURL(c.DBPath) && c.WebhookKey == "" && c.WebhookKeyFile == "" {
		return nil, "", ErrWebhookKeyRequired
	}
	file := c.WebhookKeyFile
	if file == "" {
		file = webhookKeyFile(c.DBPath)
	}
	if c.WebhookKey == "" {
		return nil, file, nil
	}
	key, err := webhook.ParseKey(c.WebhookKey)
	if err != nil {
		return nil, "", fmt.Errorf("webhook key (%s): %w", WebhookKeyEnv, err)
	}
	return key, file, nil
}

// keySource names where the key came from, for messages.
func (c Config) keySource() string {
	if c.WebhookKey != "" {
		return "the key given in " + WebhookKeyEnv
	}
	_, file, _ := c.webhookKey()
	return "the key file " + file
}

// explainKeyError turns a sealing-key failure into what happened and the
// two ways out: restore the key, or re-key.
func (c Config) explainKeyError(err error) error {
	var ke *webhook.KeyError
	if !errors.As(err, &ke) {
		return err
	}
	_, file, _ := c.webhookKey()
	var b strings.Builder
	if ke.Missing {
		fmt.Fprintf(&b, "webhook signing secrets cannot be read: the database %s holds %d webhook endpoint(s) whose secrets are sealed with the key in %s, and that file is missing (was the database restored or copied without it?).\n",
			pgsql.Redact(c.DBPath), ke.Endpoints, file)
	} else {
		fmt.Fprintf(&b, "webhook signing secrets cannot be read: %s does not open the secrets of %d of the %d webhook endpoint(s) in %s; it is not the key they were sealed with.\n",
			c.keySource(), ke.Unreadable, ke.Endpoints, pgsql.Redact(c.DBPath))
	}
	b.WriteString("The server did not start, so no delivery failed. Either:\n")
	fmt.Fprintf(&b, "  - restore the key that belongs to this database (the %s file backed up with it, or the %s every instance shares) and start again; or\n",
		webhookKeyFileName(file), WebhookKeyEnv)
	fmt.Fprintf(&b, "  - if it is lost: pmdev server webhooks rekey --db %s\n", pgsql.Redact(c.DBPath))
	b.WriteString("    gives every endpoint a new signing secret (the old ones cannot be recovered) and lists the endpoints, so each receiver can be updated.")
	return &webhookKeyError{msg: b.String(), err: err}
}

func webhookKeyFileName(file string) string {
	if file == "" {
		return "webhook key"
	}
	return file
}

// webhookKeyError is a KeyError with its explanation (errors.Is(err, ErrWebhookKey)).
type webhookKeyError struct {
	msg string
	err error
}

func (e *webhookKeyError) Error() string { return e.msg }
func (e *webhookKeyError) Unwrap() error { return e.err }

// ErrWebhookKey is the error Open returns (errors.Is) when the webhook
// sealing key is missing or wrong while sealed secrets exist.
var ErrWebhookKey = webhook.ErrSealingKey

// RekeyedWebhook is one endpoint after RekeyWebhooks, with its new secret
// (shown this once) and what identifies its receiver.
type RekeyedWebhook struct {
	ID, Tenant, URL, Description, Status, CreatedBy string
	Secret, SecretPrefix                            string
}

// RekeyWebhooks recovers from a lost or wrong webhook sealing key: it
// installs a new key and gives every endpoint a new signing secret (the old
// ones cannot be recovered), audited, and returns the endpoints so their
// receivers can be updated. The new key is cfg.WebhookKey when given (the
// one several instances will share), else a random one written to the key
// file, whose previous content is kept aside as <file>.replaced-<time>. Run
// it while no server uses the database.
func RekeyWebhooks(ctx context.Context, cfg Config) ([]RekeyedWebhook, string, error) {
	if cfg.DBPath == "" {
		cfg.DBPath = DefaultDBPath()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	key, file, err := cfg.webhookKey()
	if err != nil {
		return nil, "", err
	}
	if key == nil && file == "" {
		return nil, "", errors.New("rekey: an in-memory database has no key to replace")
	}
	db, err := sqlite.Open(ctx, cfg.DBPath)
	if err != nil {
		return nil, "", err
	}
	defer db.Close()
	st := sqlite.Store{}
	now := cfg.Now().UTC()
	tenants := map[string]string{}
	names, err := store.QueryAll(ctx, db, `SELECT id, name FROM tenants`, nil, func(sc store.Scanner) ([2]string, error) {
		var r [2]string
		err := sc.Scan(&r[0], &r[1])
		return r, err
	})
	if err != nil {
		return nil, "", err
	}
	for _, n := range names {
		tenants[n[0]] = n[1]
	}
	newFile := key == nil
	if newFile {
		key = webhook.NewKey()
	}
	audit := func(ctx context.Context, ex webhook.Execer, tenantID, id, action, actor, ip, detail string) error {
		return st.InsertAudit(ctx, ex, store.AuditEntry{TenantID: tenantID, TargetType: store.AuditTargetWebhook, TargetID: id,
			At: now, Action: action, Actor: actor, IP: ip, Detail: detail})
	}
	// The key file is replaced only once the secrets sealed with it are committed.
	list, err := webhook.Rekey(ctx, db, key, now, audit)
	if err != nil {
		return nil, "", err
	}
	where := cfg.keySource()
	if newFile {
		if _, err := os.Stat(file); err == nil {
			aside := fmt.Sprintf("%s.replaced-%s", file, now.Format("20060102T150405Z"))
			if err := os.Rename(file, aside); err != nil {
				return nil, "", fmt.Errorf("rekey: keep the old key file aside: %w (secrets were re-sealed; write the new key again with rekey)", err)
			}
		}
		if err := webhook.WriteKeyFile(file, key); err != nil {
			return nil, "", fmt.Errorf("rekey: write %s: %w (secrets were re-sealed with a key now lost; run rekey again)", file, err)
		}
		where = "the key file " + file
	}
	out := make([]RekeyedWebhook, len(list))
	for i, r := range list {
		out[i] = RekeyedWebhook{ID: r.ID, Tenant: tenants[r.TenantID], URL: r.URL, Description: r.Description, Status: r.Status,
			CreatedBy: r.CreatedBy, Secret: r.Secret, SecretPrefix: r.SecretPrefix}
	}
	// By tenant name; within a tenant, oldest endpoint first (Rekey's order).
	slices.SortStableFunc(out, func(a, b RekeyedWebhook) int { return strings.Compare(a.Tenant, b.Tenant) })
	return out, where, nil
}

// CheckWebhookKey reports whether the key cfg names opens every webhook
// secret in the database (an ErrWebhookKey error when not), without
// starting anything.
func CheckWebhookKey(ctx context.Context, cfg Config) error {
	key, file, err := cfg.webhookKey()
	if err != nil {
		return err
	}
	db, err := sqlite.Open(ctx, cfg.DBPath)
	if err != nil {
		return err
	}
	defer db.Close()
	return cfg.explainKeyError(webhook.CheckKey(ctx, db, webhook.Config{Key: key, KeyFile: file}))
}
