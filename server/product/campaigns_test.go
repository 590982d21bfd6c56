package product

import "testing"

// The hot-path query reader agrees with url.ParseQuery on what it reads:
// the first status and limit, escapes decoded, malformed escapes refused.
func TestCampaignQuery(t *testing.T) {
	for _, c := range []struct {
		raw, status, limit string
		ok                 bool
	}{
		{"", "", "", true},
		{"limit=5&status=sent", "sent", "5", true},
		{"status=sent&status=draft&limit=1&limit=2", "sent", "1", true},
		{"st%61tus=dr%61ft&x=1", "draft", "", true},
		{"status=a+b", "a b", "", true},
		{"status=%zz", "", "", false},
	} {
		status, limit, ok := campaignQuery(c.raw)
		if status != c.status || limit != c.limit || ok != c.ok {
			t.Errorf("campaignQuery(%q) = %q, %q, %v; want %q, %q, %v", c.raw, status, limit, ok, c.status, c.limit, c.ok)
		}
	}
	if cs := Campaigns(); len(cs) != 12 || cs[0].ID != "cmp_1001" || cs[9].Sent == 0 || cs[11].Sent != 0 { // sending counts, drafts do not
		t.Errorf("catalogue %+v", cs)
	}
}
