package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

// The published Standard Webhooks / Svix reference vector.
const (
	vecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vecID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vecTS     = 1614265330
	vecBody   = `{"test": 2432232314}`
	vecSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignStandardReferenceVector(t *testing.T) {
	got, err := SignStandard(vecSecret, vecID, time.Unix(vecTS, 0), []byte(vecBody))
	if err != nil {
		t.Fatal(err)
	}
	if got != vecSig {
		t.Fatalf("signature = %s, want %s", got, vecSig)
	}
	if !VerifyStandard(vecSecret, vecID, "1614265330", []byte(vecBody), "v1,bogus "+vecSig) {
		t.Fatal("verify rejected the reference signature among others")
	}
	if VerifyStandard(vecSecret, vecID, "1614265331", []byte(vecBody), vecSig) {
		t.Fatal("verify accepted a different timestamp")
	}
}

// independentPenguin recomputes the X-PenguinMails-Signature with crypto/hmac directly.
func independentPenguin(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func TestSignPenguinOpenSSLVector(t *testing.T) {
	// printf %s "$body" | openssl dgst -sha256 -hmac "$vecSecret"
	body := `{"id":"evt_1","type":"email.sent","data":{"to":"a@b.test"}}`
	const want = "sha256=915b32b2b68c0ec7f812aef8d4209f861cfa3464194d39f927866764a0804a1b"
	if got := SignPenguin(vecSecret, []byte(body)); got != want {
		t.Fatalf("signature = %s, want %s", got, want)
	}
}

func TestSignMatchesIndependentComputation(t *testing.T) {
	body := []byte(`{"id":"evt_1","type":"email.sent","data":{"to":"a@b.test"}}`)
	for _, secret := range []string{vecSecret, NewSecret()} {
		want := independentPenguin(secret, body)
		if got := SignPenguin(secret, body); got != want {
			t.Fatalf("penguin signature = %s, want %s", got, want)
		}
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
		if err != nil {
			t.Fatal(err)
		}
		m := hmac.New(sha256.New, key)
		m.Write([]byte("evt_1.1700000000."))
		m.Write(body)
		wantStd := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
		got, err := SignStandard(secret, "evt_1", time.Unix(1700000000, 0), body)
		if err != nil || got != wantStd {
			t.Fatalf("standard signature = %s (%v), want %s", got, err, wantStd)
		}
	}
}

func TestSignBothSecretsDuringRotation(t *testing.T) {
	body := []byte(`{"x":1}`)
	newS, oldS := NewSecret(), NewSecret()
	ts := time.Unix(1700000000, 0)
	s, err := Sign([]string{newS, oldS}, "evt_9", ts, body)
	if err != nil {
		t.Fatal(err)
	}
	pen := strings.Fields(s.Penguin)
	if len(pen) != 2 || pen[0] != independentPenguin(newS, body) || pen[1] != independentPenguin(oldS, body) {
		t.Fatalf("penguin header %q does not hold both signatures, new first", s.Penguin)
	}
	if s.Timestamp != "1700000000" {
		t.Fatalf("timestamp %s", s.Timestamp)
	}
	for _, sec := range []string{newS, oldS} {
		if !VerifyStandard(sec, "evt_9", s.Timestamp, body, s.Standard) {
			t.Fatalf("standard header does not verify with one of the secrets")
		}
	}
	if VerifyStandard(NewSecret(), "evt_9", s.Timestamp, body, s.Standard) {
		t.Fatal("an unrelated secret verified")
	}
}

func TestNewSecretShape(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if a == b || !strings.HasPrefix(a, "whsec_") {
		t.Fatalf("secrets %q %q", a, b)
	}
	k, err := standardKey(a)
	if err != nil || len(k) != secretBytes {
		t.Fatalf("decoded key len %d err %v", len(k), err)
	}
	if p := SecretPrefix(a); len(p) >= len(a) || !strings.HasPrefix(a, strings.TrimSuffix(p, "…")) {
		t.Fatalf("prefix %q", p)
	}
}

func TestSealRoundTripAndBinding(t *testing.T) {
	path := t.TempDir() + "/k"
	s1, err := loadSealer(path)
	if err != nil {
		t.Fatal(err)
	}
	sealed := s1.seal("wh_1", "whsec_abc")
	if strings.Contains(string(sealed), "whsec_abc") {
		t.Fatal("plaintext visible in sealed secret")
	}
	s2, err := loadSealer(path) // same key file, as after a restart
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s2.open("wh_1", sealed); err != nil || got != "whsec_abc" {
		t.Fatalf("open = %q, %v", got, err)
	}
	if _, err := s2.open("wh_2", sealed); err == nil {
		t.Fatal("a secret sealed for one webhook opened for another")
	}
}
