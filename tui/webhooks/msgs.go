package webhooks

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// ioTimeout bounds ordinary calls; test sends and retries wait for the receiver (up to 10 s).
const (
	ioTimeout   = 10 * time.Second
	sendTimeout = 16 * time.Second
	// deliveryLimit is how many recent deliveries the details view loads.
	deliveryLimit = 50
)

func res(id uint64) common.Result { return common.Result{Pane: common.PaneWebhooks, ReqID: id} }

func scoped() (context.Context, context.CancelFunc) {
	return context.WithTimeout(client.WithCacheScope(context.Background(), "webhooks"), ioTimeout)
}

type listMsg struct {
	common.Result
	list        models.WebhookList
	notModified bool
	err         error
}

func fetchList(c *client.Client, id uint64) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := scoped()
		defer cancel()
		l, err := c.ListWebhooks(ctx)
		if errors.Is(err, client.ErrNotModified) {
			return listMsg{Result: res(id), notModified: true}
		}
		return listMsg{Result: res(id), list: l, err: err}
	}
}

type detailMsg struct {
	common.Result
	id         string
	filter     string
	webhook    models.Webhook
	deliveries []models.Delivery
	err        error
}

func fetchDetail(c *client.Client, rid uint64, id, status string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := scoped()
		defer cancel()
		w, err := c.GetWebhook(ctx, id)
		if err != nil {
			return detailMsg{Result: res(rid), id: id, filter: status, err: err}
		}
		d, err := c.ListDeliveries(ctx, id, status, deliveryLimit)
		return detailMsg{Result: res(rid), id: id, filter: status, webhook: w, deliveries: d.Data, err: err}
	}
}

type eventTypesMsg struct {
	common.Result
	types []models.EventType
	err   error
}

func fetchEventTypes(c *client.Client) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := scoped()
		defer cancel()
		l, err := c.WebhookEventTypes(ctx)
		return eventTypesMsg{Result: res(0), types: l.Data, err: err}
	}
}

// createdMsg and rotatedMsg carry a secret out of the client; it moves into
// the show-once modal and is dropped when that closes.
type createdMsg struct {
	common.Result
	webhook models.Webhook
	secret  common.Secret
	err     error
}

func (createdMsg) String() string { return "webhooks.createdMsg{redacted}" }

func createWebhook(c *client.Client, req models.CreateWebhookRequest) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := scoped()
		defer cancel()
		w, err := c.CreateWebhook(ctx, req)
		return createdMsg{Result: res(0), webhook: w.Webhook, secret: common.NewSecret(w.Secret), err: err}
	}
}

type rotatedMsg struct {
	common.Result
	id     string
	result models.RotateSecretResult
	secret common.Secret
	err    error
}

func (rotatedMsg) String() string { return "webhooks.rotatedMsg{redacted}" }

func rotateSecret(c *client.Client, id string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := scoped()
		defer cancel()
		r, err := c.RotateWebhookSecret(ctx, id)
		s := common.NewSecret(r.Secret)
		r.Secret = ""
		return rotatedMsg{Result: res(0), id: id, result: r, secret: s, err: err}
	}
}

type updatedMsg struct {
	common.Result
	webhook models.Webhook
	err     error
}

func setStatus(c *client.Client, id, status string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := scoped()
		defer cancel()
		w, err := c.UpdateWebhook(ctx, id, models.UpdateWebhookRequest{Status: &status})
		return updatedMsg{Result: res(0), webhook: w, err: err}
	}
}

type deletedMsg struct {
	common.Result
	id, url string
	err     error
}

func deleteWebhook(c *client.Client, id, url string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := scoped()
		defer cancel()
		return deletedMsg{Result: res(0), id: id, url: url, err: c.DeleteWebhook(ctx, id)}
	}
}

type testResultMsg struct {
	common.Result
	id     string
	result models.TestResult
	err    error
}

func sendTest(c *client.Client, rid uint64, id, eventType string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), sendTimeout)
		defer cancel()
		r, err := c.TestWebhook(ctx, id, models.TestRequest{EventType: eventType})
		return testResultMsg{Result: res(rid), id: id, result: r, err: err}
	}
}

// retriedMsg reports one or more manual retries.
type retriedMsg struct {
	common.Result
	webhookID string
	ok, total int
	last      models.Delivery
	err       error
}

func retryDeliveries(c *client.Client, webhookID string, ids []string) tea.Cmd {
	return func() tea.Msg {
		out := retriedMsg{Result: res(0), webhookID: webhookID, total: len(ids)}
		for _, id := range ids {
			ctx, cancel := context.WithTimeout(context.Background(), sendTimeout)
			d, err := c.RetryDelivery(ctx, webhookID, id)
			cancel()
			if err != nil {
				out.err = err
				continue
			}
			out.last = d
			if d.Status == models.DeliverySuccess {
				out.ok++
			}
		}
		return out
	}
}
