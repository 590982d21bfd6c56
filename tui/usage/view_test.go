package usage

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

func TestGoldenRanges(t *testing.T) {
	for _, size := range commontest.Sizes {
		for _, r := range ranges {
			t.Run(fmt.Sprintf("%s_%dx%d", r, size[0], size[1]), func(t *testing.T) {
				m := loaded(r, size[0], size[1])
				v := m.View()
				commontest.Fits(t, v, size[0], size[1])
				commontest.Golden(t, v)
			})
		}
	}
}

// A member's 403 names usage (not API keys) and says how to get access
// instead of offering a retry that cannot help.
func TestRoleRefusalNamesUsageAndHowToGetAccess(t *testing.T) {
	ctx := commontest.Context(80, 20, nil)
	ctx.Active = common.PaneUsage
	ctx.Me = models.Me{Email: "viewer@acme.test", Role: models.RoleMember}
	ctx.Sandbox = true
	m := New(ctx)
	m.SetSize(80, 20)
	err := &client.Error{Kind: client.KindHTTP, Status: http.StatusForbidden,
		Problem: &models.Problem{Status: 403, Error: "insufficient_role", Message: "Your role (member) cannot use developer settings"}}
	m.Update(usageMsg{Result: common.Result{Pane: common.PaneUsage, ReqID: m.poll.Start()}, params: m.Params(), err: err})
	v := commontest.Plain(m.View())
	if !strings.Contains(v, "your role (member) cannot view API usage") || strings.Contains(v, "manage API keys") {
		t.Fatalf("wrong action named:\n%s", v)
	}
	if strings.Contains(v, "press r to retry") || !strings.Contains(v, "--as developer") {
		t.Fatalf("offers a retry or no way to get access:\n%s", v)
	}
}

// At 80 columns the header keeps the bucket size and the recent-errors
// table keeps which key failed.
func TestNarrowHeaderAndErrorsKeepEssentials(t *testing.T) {
	m := loaded(models.Range24h, 80, 20)
	head := strings.Split(commontest.Plain(m.View()), "\n")[1]
	if !strings.Contains(head, "15-minute") {
		t.Fatalf("header lost the bucket size: %q", head)
	}
	b := m.errorsBlock(80)
	text := commontest.Plain(strings.Join(b.lines, "\n"))
	if !strings.Contains(text, "Key") || !strings.Contains(text, "Production App") {
		t.Fatalf("recent errors lost the key column:\n%s", text)
	}
	for _, l := range b.lines {
		if w := len([]rune(commontest.Plain(l))); w > 80 {
			t.Fatalf("row is %d wide: %q", w, commontest.Plain(l))
		}
	}
}

// The header never states an end after the data was generated, although
// the API closes a preset at the end of the current bucket.
func TestHeaderEndIsNotInTheFuture(t *testing.T) {
	m := loaded(models.Range30d, 80, 24)
	if !m.data.To.After(m.data.GeneratedAt) {
		t.Fatal("fixture should end after its generation time")
	}
	line := strings.Split(commontest.Plain(m.View()), "\n")[1]
	if want := "30 Nov 14:30"; !strings.Contains(line, "–"+want) {
		t.Fatalf("header %q should end at %s", line, want)
	}
	if strings.Contains(line, m.data.To.Format("02 Jan 15:04")) {
		t.Fatalf("header %q names the bucket end", line)
	}
}

// At 80 columns the refusals card and the cursor readout fit whole: a
// share too wide for the card gives way to the count.
func TestNarrowCardsAndReadoutFit(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	m.data.Totals.RateLimited = 12345
	m.version++
	v := commontest.Plain(m.View())
	if !strings.Contains(v, "│ 12,345       │") || strings.Contains(v, "12,345 (1…") {
		t.Fatalf("refusals card cut:\n%s", v)
	}
	b := m.data.Series[m.cursor]
	var readout string
	for _, l := range strings.Split(v, "\n") {
		if strings.HasPrefix(l, "▲") {
			readout = l
		}
	}
	if want := "429 " + common.Thousands(b.RateLimited) + ")"; !strings.HasSuffix(readout, want) {
		t.Fatalf("readout %q should end with %q", readout, want)
	}
	if w := common.Width(readout); w > 80 {
		t.Fatalf("readout is %d wide", w)
	}
}

// The errors section tells the counted errors from the records the log
// holds (sampled during floods) and never promises to export all.
func TestErrorsSectionTellsRecordsFromCounts(t *testing.T) {
	for _, tc := range []struct {
		name    string
		records int
		counted int64
		want    []string
		not     []string
	}{
		{"sampled", 20, 30, []string{"30 in range · E exports the recorded ones as CSV", "full records are sampled during floods",
			"newest first · 20 recorded of 30 errors"}, []string{"all", "20 shown"}},
		{"capped", 100, 2546, []string{"2,546 in range", "newest 100 records of 2,546 errors"}, []string{"100 shown"}},
		{"complete", 12, 12, []string{"12 in range · E exports the recorded ones as CSV", "newest first · 12 shown"}, []string{"sampled"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := loaded(models.Range24h, 120, 40)
			m.data.ErrorsBy = []models.StatusCount{{Status: 429, Count: tc.counted, Percent: 100}}
			m.data.RecentErrors = manyErrors(tc.records)
			text := commontest.Plain(strings.Join(m.errorsBlock(120).lines, "\n"))
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("lacks %q:\n%s", w, text)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(text, w) {
					t.Errorf("says %q:\n%s", w, text)
				}
			}
		})
	}
}

// Traffic of a revoked or expired key says so in the row, in words, even
// when the name is cut, as the answer's status says.
func TestUsageByKeyMarksRevokedAndExpiredKeys(t *testing.T) {
	m := loaded(models.Range24h, 120, 40)
	m.data.ByKey[0].Name = "Legacy Integration with a very long name that the column must cut"
	m.data.ByKey[0].Status, m.data.ByKey[1].Status, m.data.ByKey[2].Status = models.KeyRevoked, models.KeyExpired, models.KeyActive
	rows := map[string]string{}
	for _, l := range m.byKey(60).lines {
		l = commontest.Plain(l)
		for _, k := range []string{"Legacy", "Staging", "CI,"} {
			if strings.Contains(l, k) {
				rows[k] = l
			}
		}
	}
	if !strings.Contains(rows["Legacy"], "Legacy Integ… (revoked)") || !strings.Contains(rows["Staging"], "Staging Serv… (expired)") ||
		strings.Contains(rows["CI,"], "(expired)") || strings.Contains(rows["CI,"], "(revoked)") {
		t.Fatalf("rows:\n%s\n%s\n%s", rows["Legacy"], rows["Staging"], rows["CI,"])
	}
}
