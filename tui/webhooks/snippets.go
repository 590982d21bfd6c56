package webhooks

// Verification snippets shown with a new secret. They read the secret from
// the environment (never embedding it) and verify the Standard Webhooks
// headers, which carry both signatures during a rotation.

var snippetLangs = []string{"Go", "Node.js", "Python"}

const snippetGo = `// import ("crypto/hmac"; "crypto/sha256"; "encoding/base64"; "net/http"; "strings")
// verify reports whether a delivery is authentic. body is the raw request body.
func verify(secret string, h http.Header, body []byte) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(h.Get("webhook-id") + "." + h.Get("webhook-timestamp") + "."))
	mac.Write(body)
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return true // also reject webhook-timestamp older than 5 minutes
		}
	}
	return false
}
// secret := os.Getenv("PENGUINMAILS_WEBHOOK_SECRET")`

const snippetNode = `const crypto = require('crypto');

// verify(secret, req.headers, rawBody) — rawBody is the unparsed body (Buffer or string).
function verify(secret, headers, rawBody) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signed = headers['webhook-id'] + '.' + headers['webhook-timestamp'] + '.' + rawBody;
  const want = 'v1,' + crypto.createHmac('sha256', key).update(signed).digest('base64');
  return (headers['webhook-signature'] || '').split(' ').some((sig) =>
    sig.length === want.length && crypto.timingSafeEqual(Buffer.from(sig), Buffer.from(want)));
}
// const secret = process.env.PENGUINMAILS_WEBHOOK_SECRET;`

const snippetPython = `import base64, hashlib, hmac

def verify(secret: str, headers, raw_body: bytes) -> bool:
    """raw_body is the unparsed request body."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + raw_body
    want = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(sig, want) for sig in headers.get("webhook-signature", "").split())

# secret = os.environ["PENGUINMAILS_WEBHOOK_SECRET"]`

func snippet(lang int) string {
	switch lang {
	case 1:
		return snippetNode
	case 2:
		return snippetPython
	}
	return snippetGo
}
