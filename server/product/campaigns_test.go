package product

import (
	"net/http/httptest"
	"testing"

	"github.com/penguinmails/pmdev/server/httpx"
)

// The hot-path query reader agrees with httpx.Query on what it reads and
// refuses: escapes decoded; malformed escapes, empty and repeated
// parameters refused with the parameter named.
func TestCampaignQuery(t *testing.T) {
	for _, c := range []struct {
		raw, status, limit string
		bad                string // the field of the problem, "" when accepted
	}{
		{"", "", "", ""},
		{"limit=5&status=sent", "sent", "5", ""},
		{"st%61tus=dr%61ft&x=1", "draft", "", ""},
		{"status=a+b", "a b", "", ""},
		{"other=&x", "", "", ""},
		{"status=%zz", "", "", "query"},
		{"status=sent;limit=1", "", "", "query"},
		{"status=sent&status=draft", "", "", "status"},
		{"status=", "", "", "status"},
		{"status", "", "", "status"},
		{"limit=&status=sent", "", "", "limit"},
	} {
		status, limit, p := campaignQuery(c.raw)
		field := ""
		if p != nil {
			field = p.Errors[0].Field
			if p.Status != 400 || p.Error != "invalid_parameter" {
				t.Errorf("campaignQuery(%q): %+v", c.raw, p)
			}
		}
		if field != c.bad || (p == nil && (status != c.status || limit != c.limit)) {
			t.Errorf("campaignQuery(%q) = %q, %q, %v; want %q, %q, problem on %q", c.raw, status, limit, p, c.status, c.limit, c.bad)
		}
		// httpx.Query judges the same query the same way.
		r := httptest.NewRequest("GET", "/api/v1/campaigns?"+c.raw, nil)
		_, qp := httpx.Query(r, "status", "limit")
		if (qp == nil) != (p == nil) || (qp != nil && qp.Errors[0].Field != field) {
			t.Errorf("httpx.Query(%q) = %v, campaignQuery %v", c.raw, qp, p)
		}
	}
	if cs := Campaigns(); len(cs) != 12 || cs[0].ID != "cmp_1001" || cs[9].Sent == 0 || cs[11].Sent != 0 { // sending counts, drafts do not
		t.Errorf("catalogue %+v", cs)
	}
}
