package cli

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/models"
)

// Endpoints from the shell against a real receiver: create (secret once),
// list, get by URL, test, deliveries, retry, update, rotate-secret, delete.
func TestWebhooksFromTheShell(t *testing.T) {
	a := startRefAPI(t)
	empty := a.run(t, "webhooks", "list", "--json").wantCode(t, 0, "empty list")
	if strings.TrimSpace(empty.stdout) != "[]" {
		t.Fatalf("empty list is %q, want []", empty.stdout)
	}
	a.run(t, "webhooks", "create", "--url", a.hookURL, "--events", "email.sent,email.nope").wantCode(t, 2, "unknown event")
	created := a.runAs(t, a.admin, runOpts{tty: true}, "webhooks", "create", "--url", a.hookURL, "--events", "email.delivered,email.bounced",
		"--description", "shell test").wantCode(t, 0, "create")
	secret := strings.TrimSpace(created.stdout)
	if !strings.HasPrefix(secret, models.WebhookSecretPrefix) || strings.Contains(created.stderr, secret) {
		t.Fatalf("secret not alone on stdout: %q / %q", created.stdout, created.stderr)
	}
	list := a.run(t, "webhooks", "list", "--json").wantCode(t, 0, "list --json")
	validate(t, "[Webhook]", list.stdout)
	var hooks []models.Webhook
	_ = json.Unmarshal([]byte(list.stdout), &hooks)
	if len(hooks) != 1 || strings.Contains(list.stdout, secret) {
		t.Fatalf("list: %s", list.stdout)
	}
	id := hooks[0].ID
	table := a.runAs(t, a.admin, runOpts{tty: true}, "webhooks", "list").wantCode(t, 0, "list (tty)")
	for _, want := range []string{"URL", "STATUS", "EVENTS", "SUCCESS", "LAST DELIVERY", id} {
		if !strings.Contains(table.stdout, want) {
			t.Errorf("list lacks %q:\n%s", want, table.stdout)
		}
	}
	got := a.run(t, "webhooks", "get", a.hookURL, "--json").wantCode(t, 0, "get by URL")
	validate(t, "Webhook", got.stdout)

	test := a.run(t, "webhooks", "test", id, "--json").wantCode(t, 0, "test")
	validate(t, "TestResult", test.stdout)
	a.setHookStatus(http.StatusInternalServerError)
	failed := a.run(t, "webhooks", "test", id, "--event", "email.bounced").wantCode(t, 1, "test against a failing receiver")
	if !strings.Contains(failed.stdout, "failed") || !strings.Contains(failed.stderr, "not accepted") {
		t.Errorf("failed test: %q / %q", failed.stdout, failed.stderr)
	}

	ds := a.run(t, "webhooks", "deliveries", id, "--status", "failed", "--since", "1h", "--json").wantCode(t, 0, "deliveries")
	validate(t, "[Delivery]", ds.stdout)
	var dl []models.Delivery
	_ = json.Unmarshal([]byte(ds.stdout), &dl)
	if len(dl) != 1 || dl[0].Status != models.DeliveryFailed {
		t.Fatalf("failed deliveries: %s", ds.stdout)
	}
	both := a.run(t, "webhooks", "deliveries", id, "--status", "failed,success", "--jq", ".[].status").wantCode(t, 0, "two statuses")
	if strings.TrimSpace(both.stdout) != "failed\nsuccess" {
		t.Errorf("failed,success listed %q (newest first)", both.stdout)
	}
	rows := a.runAs(t, a.admin, runOpts{tty: true}, "webhooks", "deliveries", id).wantCode(t, 0, "deliveries (tty)")
	if !strings.Contains(rows.stdout, "✗ failed") || !strings.Contains(rows.stdout, "✓ success") {
		t.Errorf("deliveries table:\n%s", rows.stdout)
	}
	// retry completes the deliveries it can send again, not delivered ones.
	offered := a.complete(t, a.URL, a.admin, "webhooks", "retry", "")
	if !strings.Contains(offered.stdout, dl[0].ID+"\temail.bounced · ✗ failed · "+a.hookURL) || strings.Count(offered.stdout, "\t") != 1 {
		t.Errorf("retry completion: %q", offered.stdout)
	}
	if other := a.complete(t, a.URL, a.admin, "webhooks", "retry", "--webhook", "wh_other", ""); strings.Contains(other.stdout, dl[0].ID) {
		t.Errorf("retry completion ignores --webhook: %q", other.stdout)
	}
	a.setHookStatus(http.StatusOK)
	retried := a.run(t, "webhooks", "retry", dl[0].ID, "--json").wantCode(t, 0, "retry (endpoint found by search)")
	validate(t, "RetryDeliveryResult", retried.stdout)
	a.run(t, "webhooks", "retry", "del_nothere", "--webhook", id).wantCode(t, 4, "retry unknown delivery")
	a.run(t, "webhooks", "retry", "del_nothere").wantCode(t, 4, "retry unknown delivery, searched")

	upd := a.run(t, "webhooks", "update", id, "--status", "paused", "--max-retries", "3", "--json").wantCode(t, 0, "update")
	validate(t, "Webhook", upd.stdout)
	if !strings.Contains(upd.stdout, `"status":"paused"`) {
		t.Errorf("update: %s", upd.stdout)
	}
	a.run(t, "webhooks", "rotate-secret", id).wantCode(t, 2, "rotate-secret without --yes off a terminal")
	rot := a.run(t, "webhooks", "rotate-secret", id, "--yes", "--json").wantCode(t, 0, "rotate-secret")
	validate(t, "RotateSecretResult", rot.stdout)
	if strings.Contains(rot.stdout, secret) {
		t.Error("old secret again")
	}
	a.run(t, "webhooks", "delete", id).wantCode(t, 2, "delete without --yes off a terminal")
	del := a.run(t, "webhooks", "delete", id, "--yes", "--json").wantCode(t, 0, "delete")
	if del.stdout != "" {
		t.Errorf("delete --json printed %q (the API answers 204)", del.stdout)
	}
	a.run(t, "webhooks", "get", id).wantCode(t, 4, "deleted endpoint")
}
