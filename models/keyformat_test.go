package models

import (
	"hash/crc32"
	"math/big"
	"strings"
	"testing"
)

// independent base62 of the CRC via math/big, padded to 6.
func refChecksum(s string) string {
	v := new(big.Int).SetUint64(uint64(crc32.ChecksumIEEE([]byte(s))))
	out := ""
	for _, d := range v.Text(62) {
		// big.Int uses 0-9a-zA-Z; our alphabet is 0-9A-Za-z.
		switch {
		case d >= 'a' && d <= 'z':
			out += string(d - 'a' + 'A')
		case d >= 'A' && d <= 'Z':
			out += string(d - 'A' + 'a')
		default:
			out += string(d)
		}
	}
	return strings.Repeat("0", KeyChecksumLen-len(out)) + out
}

func TestKeyChecksum(t *testing.T) {
	for _, body := range []string{
		PrefixLive + strings.Repeat("A", KeyRandomLen),
		PrefixTest + strings.Repeat("z", KeyRandomLen),
		PrefixLive + strings.Repeat("0123456789", 6)[:KeyRandomLen],
	} {
		sum := KeyChecksum(body)
		if sum != refChecksum(body) || len(sum) != 6 {
			t.Fatalf("checksum %q, reference %q", sum, refChecksum(body))
		}
		key := body + sum
		if !ValidKeyChecksum(key) {
			t.Fatalf("valid key rejected: %s", key)
		}
		// Any single-character typo in the random part is caught.
		typo := []byte(key)
		typo[len(PrefixLive)+5] ^= 1
		if ValidKeyChecksum(string(typo)) {
			t.Fatalf("typo accepted: %s", typo)
		}
	}
	for _, bad := range []string{"", "pm_live_", "pm_pat_abc", "pm_live_" + strings.Repeat("A", 63), "pm_prod_" + strings.Repeat("A", 64),
		"pm_live_" + strings.Repeat("-", 64)} {
		if ValidKeyChecksum(bad) {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestMaskKey(t *testing.T) {
	key := PrefixLive + "a1b" + strings.Repeat("x", 57) + "o5p6"
	if got := MaskKey(key); got != "pm_live_a1b…o5p6" {
		t.Fatalf("MaskKey = %q", got)
	}
	if got := MaskKey("secret"); strings.Contains(got, "secret") {
		t.Fatalf("short secret leaked: %q", got)
	}
}
