#!/usr/bin/env bash
# Validates live answers of the reference server with a second, independent
# validator: Stoplight Prism (Node.js) proxies every request to the server and
# checks request and response against api/openapi.yaml. Any violation fails.
# Needs Node.js >= 20, npm, curl and jq.
set -euo pipefail
cd "$(dirname "$0")/.."
PRISM_VERSION=5.16.0

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

go build -o "$work/pmdev" .
npm install --silent --no-audit --no-fund --prefix "$work/prism" "@stoplight/prism-cli@${PRISM_VERSION}" >/dev/null

api_port=$(free_port)
prism_port=$(free_port)
db="$work/pmdev.db"
"$work/pmdev" server --addr "127.0.0.1:${api_port}" --db "$db" --seed demo --allow-private-webhooks >"$work/server.log" 2>&1 &
pids+=($!)
"$work/prism/node_modules/.bin/prism" proxy api/openapi.yaml "http://127.0.0.1:${api_port}" \
	--port "$prism_port" --errors >"$work/prism.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 100); do
	curl -fsS "http://127.0.0.1:${api_port}/healthz" >/dev/null 2>&1 &&
		curl -sS "http://127.0.0.1:${prism_port}/healthz" >/dev/null 2>&1 && break
	sleep 0.3
done

token=$("$work/pmdev" server users add --db "$db" --email prism@acme.test --role admin --tenant Acme)
base="http://127.0.0.1:${prism_port}"
fails=0
count=0

# call METHOD PATH [JSON] [TOKEN] [STATUS]: sends through Prism, fails on a
# violation and, when STATUS is given, on another status. 422 is Prism
# itself refusing a request the contract forbids (it never reaches the
# server): those cases check that Prism reads the contract's rules as the
# Go validator does.
call() {
	local method=$1 path=$2 body=${3:-} tok=${4:-$token} want=${5:-}
	local args=(-sS -o "$work/body" -D "$work/headers" -w '%{http_code}' -X "$method" -H "Authorization: Bearer ${tok}")
	[[ -n "$body" ]] && args+=(-H 'Content-Type: application/json' --data "$body")
	local got
	got=$(curl "${args[@]}" "${base}${path}" || true)
	count=$((count + 1))
	if grep -qi '^sl-violations:' "$work/headers"; then
		fails=$((fails + 1))
		echo "VIOLATION ${method} ${path}:"
		grep -i '^sl-violations:' "$work/headers" | cut -c1-2000
	fi
	if [[ -n "$want" && "$got" != "$want" ]]; then
		fails=$((fails + 1))
		echo "STATUS ${method} ${path} ${body}: ${got}, want ${want}"
		cut -c1-600 "$work/body"
		echo
	fi
}

call GET /healthz
call GET /api/v1/me
call GET '/api/v1/platform/api-keys'
call GET '/api/v1/platform/api-keys?status=active&sort=last_used&per_page=5'
call GET '/api/v1/platform/api-keys?status=nonsense'
call GET '/api/v1/platform/api-keys?needs_attention=true&sort=attention' "" "" 200
call GET '/api/v1/platform/api-keys?sort=requests&q=live+send' "" "" 200
call GET '/api/v1/platform/api-keys?needs_attention=maybe' "" "" 422
created=$(curl -sS -X POST -H "Authorization: Bearer ${token}" -H 'Content-Type: application/json' \
	--data '{"name":"Prism Check","permissions":["send_email","read_campaigns","write_contacts"]}' \
	"http://127.0.0.1:${api_port}/api/v1/platform/api-keys")
key_id=$(jq -r .key_id <<<"$created")
plain=$(jq -r .api_key <<<"$created")
call POST /api/v1/platform/api-keys '{"name":"Prism Two","permissions":["send_email"],"environment":"test"}'
call POST /api/v1/platform/api-keys '{"name":"","permissions":[]}'
call GET "/api/v1/platform/api-keys/${key_id}"
call GET /api/v1/platform/api-keys/00000000-0000-0000-0000-000000000000
call PATCH "/api/v1/platform/api-keys/${key_id}" '{"description":"checked by prism"}'
call GET "/api/v1/platform/api-keys/${key_id}/security"
call GET /api/v1/platform/rate-limits
call GET /api/v1/tenant/analytics/api-usage
for r in 1h 24h 7d 30d; do call GET "/api/v1/tenant/analytics/api-usage?range=${r}"; done
call GET "/api/v1/tenant/analytics/api-usage?range=24h&key_id=${key_id}"
call GET '/api/v1/tenant/analytics/api-usage?range=bogus'
call GET /api/v1/tenant/analytics/api-usage/errors
call GET '/api/v1/tenant/analytics/api-usage/errors?range=7d&per_page=10'
call POST /api/v1/emails/send '{"to":"ada@example.com","subject":"Hi","text_body":"Hello"}' "$plain"
call POST /api/v1/emails/send '{"to":"not-an-email"}' "$plain"
call GET /api/v1/campaigns "" "$plain"
call GET '/api/v1/campaigns?status=sent&limit=5' "" "$plain"
call POST /api/v1/contacts '{"email":"grace@example.com","attributes":{"plan":"pro"}}' "$plain"
campaign=$(curl -sS -H "Authorization: Bearer ${plain}" "http://127.0.0.1:${api_port}/api/v1/campaigns" | jq -r '.campaigns[0].id')
call GET "/api/v1/analytics/campaigns/${campaign}" "" "$plain"
call GET /api/v1/emails/send "" "$plain"
call GET /api/v1/docs
slug=$(curl -sS "http://127.0.0.1:${api_port}/api/v1/docs" | jq -r '.pages[0].slug')
call GET "/api/v1/docs/${slug}"
call GET /api/v1/docs/no-such-page
call GET /api/v1/platform/webhooks/event-types
wh=$(curl -sS -X POST -H "Authorization: Bearer ${token}" -H 'Content-Type: application/json' \
	--data '{"url":"http://127.0.0.1:9/hook","events":["email.sent"]}' \
	"http://127.0.0.1:${api_port}/api/v1/platform/webhooks" | jq -r .id)
call POST /api/v1/platform/webhooks '{"url":"http://127.0.0.1:9/other","events":["email.opened"],"description":"prism"}'
call POST /api/v1/platform/webhooks '{"url":"","events":[]}'
call GET /api/v1/platform/webhooks
call GET "/api/v1/platform/webhooks/${wh}"
call PATCH "/api/v1/platform/webhooks/${wh}" '{"status":"paused"}'
call POST "/api/v1/platform/webhooks/${wh}/test" '{"event_type":"email.sent"}'
call GET "/api/v1/platform/webhooks/${wh}/deliveries"
delivery=$(curl -sS -H "Authorization: Bearer ${token}" "http://127.0.0.1:${api_port}/api/v1/platform/webhooks/${wh}/deliveries" | jq -r '.data[0].id // empty')
[[ -n "$delivery" ]] && call POST "/api/v1/platform/webhooks/${wh}/deliveries/${delivery}/retry"
call POST "/api/v1/platform/webhooks/${wh}/rotate-secret"
call POST "/api/v1/platform/api-keys/${key_id}/regenerate" '{"grace_period_hours":1}'
# The rotation cockpit: either key shows the rotation; its grace is extended, then ended.
call GET "/api/v1/platform/api-keys/${key_id}"
call POST "/api/v1/platform/api-keys/${key_id}/grace/extend" '{"hours":2}' "" 200
call POST "/api/v1/platform/api-keys/${key_id}/grace/extend" '{"hours":168}' "" 400
call POST "/api/v1/platform/api-keys/${key_id}/grace/extend" '{"hours":0}' "" 422
call POST "/api/v1/platform/api-keys/${key_id}/grace/end" "" "" 200
call POST "/api/v1/platform/api-keys/${key_id}/grace/end" "" "" 409
call DELETE "/api/v1/platform/api-keys/${key_id}"
call DELETE "/api/v1/platform/webhooks/${wh}"
call GET /api/v1/me "" pm_pat_invalid

# Rules the contract states: Prism refuses what breaks them (422), exactly
# where the Go validator and the server do.
plain=$(curl -sS -X POST -H "Authorization: Bearer ${token}" -H 'Content-Type: application/json' \
	--data '{"name":"Prism Rules","permissions":["send_email","read_campaigns","write_contacts"]}' \
	"http://127.0.0.1:${api_port}/api/v1/platform/api-keys" | jq -r .api_key)
call POST /api/v1/emails/send '{"to":"ada@example.com","subject":"Hi"}' "$plain" 422
call POST /api/v1/emails/send '{"to":"ada@example.com","template_id":""}' "$plain" 422
call POST /api/v1/emails/send '{"to":"ada@example.com","template_id":"welcome"}' "$plain" 200
call POST /api/v1/emails/send '{"to":"ada@localhost","template_id":"welcome"}' "$plain" 422
call POST /api/v1/emails/send '{"to":"ada@example.com","template_id":"welcome","tags":["a\u0007b"]}' "$plain" 422
call POST /api/v1/contacts '{"email":"grace@example.com","attributes":{"bidi\u202e":"x"}}' "$plain" 422
call POST /api/v1/platform/api-keys '{"name":"Bell\u0007","permissions":["send_email"]}' "" 422
call POST /api/v1/platform/api-keys '{"name":"Bidi","description":"x\u202ey","permissions":["send_email"]}' "" 422
call POST /api/v1/platform/api-keys '{"name":"Zero","permissions":["send_email"],"rate_limit":0}' "" 422
call POST /api/v1/platform/api-keys '{"name":"Huge","permissions":["send_email"],"rate_limit":1001}' "" 422
call POST /api/v1/platform/api-keys '{"name":"Lead","permissions":["send_email"],"allowed_ips":["010.0.0.1"]}' "" 422
call POST /api/v1/platform/api-keys '{"name":"Null limit","permissions":["send_email"],"rate_limit":null,"allowed_ips":["2001:db8::/32","::ffff:10.0.0.1"]}' "" 201
call POST /api/v1/platform/api-keys '{"name":"Old","permissions":["send_email"],"expires_at":"2001-01-01T00:00:00Z"}' "" 400
call PATCH "/api/v1/platform/api-keys/${key_id}" '{"clear_expiry":true,"expires_at":"2099-01-01T00:00:00Z"}' "" 422
call GET '/api/v1/platform/api-keys?page=2' "" "" 400 # page is gone: the server says to use cursor
# Rules a schema cannot state (empty values, cross-parameter ranges) reach
# the server, which answers with a documented 400.
call GET '/api/v1/platform/api-keys?status=' "" "" 400
call GET '/api/v1/platform/api-keys?q=' "" "" 400
call GET '/api/v1/tenant/analytics/api-usage?range=' "" "" 400
call GET '/api/v1/tenant/analytics/api-usage?range=custom&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z' "" "" 400
call GET '/api/v1/tenant/analytics/api-usage?range=custom&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z' "" "" 200
call GET '/api/v1/tenant/analytics/api-usage/errors?cursor=' "" "" 400
call GET '/api/v1/campaigns?limit=' "" "$plain" 400
# Webhook rules: Prism refuses what the schemas forbid (422) and lets
# through what they allow; empty query values reach the server (400).
wh=$(curl -sS -X POST -H "Authorization: Bearer ${token}" -H 'Content-Type: application/json' \
	--data '{"url":"http://127.0.0.1:9/rules","events":["email.sent","email.opened"]}' \
	"http://127.0.0.1:${api_port}/api/v1/platform/webhooks" | jq -r .id)
hooks=/api/v1/platform/webhooks
call POST "$hooks" '{"url":"http://127.0.0.1:9/r","events":["email.sent"],"max_retries":0}' "" 422
call POST "$hooks" '{"url":"http://127.0.0.1:9/r","events":["email.sent"],"max_retries":11}' "" 422
call POST "$hooks" '{"url":"","events":["email.sent"]}' "" 422
call POST "$hooks" '{"url":"http://bücher.example/r","events":["email.sent"]}' "" 422
call POST "$hooks" '{"url":"http://127.0.0.1:9/a b","events":["email.sent"]}' "" 422
call POST "$hooks" '{"url":"http://127.0.0.1:9/r\u202e","events":["email.sent"]}' "" 422
call POST "$hooks" '{"url":"http://127.0.0.1:9/r","events":["email.sent"],"description":"bell\u0007"}' "" 422
call POST "$hooks" '{"url":"http://127.0.0.1:9/r","events":["email.sent"],"status":""}' "" 422
call POST "$hooks" '{"url":"http://127.0.0.1:9/r","events":[]}' "" 422
call POST "$hooks" '{"url":"http://127.0.0.1:9/r","events":["email.sent"],"status":null,"max_retries":null}' "" 201
call PATCH "$hooks/${wh}" '{"max_retries":0}' "" 422
call PATCH "$hooks/${wh}" '{"description":"x\u2066y"}' "" 422
call PATCH "$hooks/${wh}" '{"url":null,"status":null,"events":null}' "" 200
call POST "$hooks/${wh}/test" '{"event_type":"email.teleported"}' "" 422
call POST "$hooks/${wh}/test" '{"event_type":"email.sent\u0007"}' "" 422
call POST "$hooks/${wh}/test" '{}' "" 200
call POST "$hooks/${wh}/test" '{"event_type":""}' "" 200
call GET "$hooks/${wh}/deliveries?status=weird" "" "" 422
call GET "$hooks/${wh}/deliveries?limit=0" "" "" 422
call GET "$hooks/${wh}/deliveries?status=failed&limit=5" "" "" 200
call GET "$hooks/${wh}/deliveries?status=" "" "" 400
call GET "$hooks/${wh}/deliveries?limit=" "" "" 400
# Keys holding an admin-only permission: only admins change them.
dev=$("$work/pmdev" server users add --db "$db" --email dev@acme.test --role developer --tenant Acme)
adminkey=$(curl -sS -X POST -H "Authorization: Bearer ${token}" -H 'Content-Type: application/json' \
	--data '{"name":"Ops","permissions":["full_access"]}' "http://127.0.0.1:${api_port}/api/v1/platform/api-keys" | jq -r .key_id)
call POST "/api/v1/platform/api-keys/${adminkey}/regenerate" '{}' "$dev" 403
call PATCH "/api/v1/platform/api-keys/${adminkey}" '{"name":"Mine"}' "$dev" 403
call DELETE "/api/v1/platform/api-keys/${adminkey}" "" "$dev" 403
call POST "/api/v1/platform/api-keys/${adminkey}/regenerate" '{}' "" 200

echo "prism: ${count} exchanges, ${fails} with violations"
if ((fails > 0)); then
	tail -n 20 "$work/server.log"
	exit 1
fi
