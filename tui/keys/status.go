package keys

import (
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// How a key's status and its countdowns read in the list and the details.

// statusCell is the status text that fits a list cell w wide: a grace or
// expiry countdown too long for it is shortened to "exp 59m".
func statusCell(k *models.APIKey, now time.Time, w int) (string, string) {
	text, kind := common.KeyStatusText(k, now)
	if kind == "grace" && common.Width(text) > w && k.ExpiresAt != nil {
		text = "exp " + common.CompactDur(k.ExpiresAt.Sub(now))
		if k.ReplacedBy != "" {
			text = "rot " + common.CompactDur(k.ExpiresAt.Sub(now))
		}
	}
	return text, kind
}

// keyCount is "1 key" or "1,234 keys".
func keyCount(n int) string {
	if n == 1 {
		return "1 key"
	}
	return common.Thousands(int64(n)) + " keys"
}
