// Package webhook is the server side of webhooks: endpoints, signing, the
// persisted delivery queue with retries, SSRF-safe delivery and the
// management routes.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/penguinmails/pmdev/models"
)

// secretBytes is the entropy of a new secret; Standard Webhooks libraries
// accept 24–64 bytes.
const secretBytes = 32

// NewSecret returns a fresh whsec_ secret: the prefix and base64 of random bytes.
func NewSecret() string {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error()) // never fails on supported platforms
	}
	return models.WebhookSecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// SecretPrefix is the display hint of a secret (never enough to sign).
func SecretPrefix(secret string) string {
	n := len(models.WebhookSecretPrefix) + 4
	if len(secret) < n {
		return models.WebhookSecretPrefix + "…"
	}
	return secret[:n] + "…"
}

// standardKey is the HMAC key of the Standard Webhooks scheme: the base64
// part of the secret, decoded.
func standardKey(secret string) ([]byte, error) {
	raw := strings.TrimPrefix(secret, models.WebhookSecretPrefix)
	k, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, errors.New("webhook secret is not base64")
	}
	return k, nil
}

// SignPenguin is the X-PenguinMails-Signature value for one secret:
// "sha256=" + hex HMAC-SHA256 of the raw body keyed with the whole secret
// string (as the verification samples in the docs do).
func SignPenguin(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// SignStandard is one Standard Webhooks signature: "v1," + base64 HMAC-SHA256
// of "id.timestamp.body" keyed with the decoded secret.
func SignStandard(secret, id string, ts time.Time, body []byte) (string, error) {
	k, err := standardKey(secret)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(strconv.FormatInt(ts.Unix(), 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// Signed holds the signature headers of one attempt.
type Signed struct {
	Penguin   string // X-PenguinMails-Signature
	Standard  string // webhook-signature
	Timestamp string // webhook-timestamp
}

// Sign signs body with every secret (newest first; during a rotation's grace
// both), space-separating the signatures in each header.
func Sign(secrets []string, id string, ts time.Time, body []byte) (Signed, error) {
	var pen, std []string
	for _, s := range secrets {
		pen = append(pen, SignPenguin(s, body))
		v, err := SignStandard(s, id, ts, body)
		if err != nil {
			return Signed{}, err
		}
		std = append(std, v)
	}
	return Signed{
		Penguin:   strings.Join(pen, " "),
		Standard:  strings.Join(std, " "),
		Timestamp: strconv.FormatInt(ts.Unix(), 10),
	}, nil
}

// SetDeliveryHeaders sets the headers of a delivery attempt: content type,
// user agent, event and delivery ids, and both signature schemes. Every
// sender (the queue, `pmdev listen`) uses it, so receivers see one shape.
func SetDeliveryHeaders(h http.Header, sig Signed, eventType, deliveryID, eventID string) {
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", userAgent)
	// Set by map key to keep the documented spelling on the wire and in records.
	h[models.HeaderWebhookSignature] = []string{sig.Penguin}
	h[models.HeaderWebhookEvent] = []string{eventType}
	h[models.HeaderWebhookDeliveryID] = []string{deliveryID}
	h[models.HeaderStdWebhookID] = []string{eventID}
	h[models.HeaderStdWebhookTimestamp] = []string{sig.Timestamp}
	h[models.HeaderStdWebhookSignature] = []string{sig.Standard}
}

// VerifyStandard checks a webhook-signature header the way a receiver does
// (any listed v1 signature may match); tests and docs use it.
func VerifyStandard(secret, id, timestamp string, body []byte, header string) bool {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return false
	}
	want, err := SignStandard(secret, id, time.Unix(sec, 0), body)
	if err != nil {
		return false
	}
	for _, sig := range strings.Fields(header) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return true
		}
	}
	return false
}
