package webhook

import (
	"crypto/rand"
	"encoding/json"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/webhook/events"
)

// Envelope is the JSON body of every delivery.
type Envelope struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"created_at"`
	Data      any       `json:"data"`
}

// newID returns prefix + 24 random base62 characters.
func newID(prefix string) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}

// SampleData is the data of a test event of eventType, built by the same
// builder as the real events of that type (nil for an unknown type).
func SampleData(eventType string, at time.Time) events.Data {
	spec, ok := events.Lookup(eventType)
	if !ok {
		return nil
	}
	return spec.Sample(at.UTC().Truncate(time.Millisecond))
}

// EventTypes is the event reference: each type with the contract schema of
// its data and an example body shaped exactly like a real delivery.
func EventTypes(at time.Time) []models.EventType {
	out := models.WebhookEventNames()
	at = at.UTC().Truncate(time.Second)
	for i := range out {
		spec, _ := events.Lookup(out[i].Type)
		out[i].DataSchema = spec.SchemaRef()
		b, _ := json.Marshal(Envelope{ID: "evt_example", Type: out[i].Type, CreatedAt: at, Data: spec.Sample(at)})
		out[i].Example = b
	}
	return out
}
