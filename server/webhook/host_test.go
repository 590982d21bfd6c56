package webhook

import (
	"context"
	"testing"
)

// blockedSpellings are ways to write a loopback, private, link-local,
// metadata or unspecified address that browsers and inet_aton accept; each
// must be refused at save time exactly like 127.0.0.1.
var blockedSpellings = []string{
	"https://127.0.0.1/hook",
	// octal, hexadecimal, fewer parts, a single number
	"https://0177.0.0.1/hook",
	"https://0x7f.0.0.1/hook",
	"https://0X7F.0.0.1/hook",
	"https://0x7f.0x0.0x0.0x1/hook",
	"https://0177.0.0.01/hook",
	"https://127.1/hook",
	"https://127.0.1/hook",
	"https://0x7f.1/hook",
	"https://2130706433/hook",
	"https://0x7f000001/hook",
	"https://017700000001/hook",
	"https://127.0.0.1./hook",
	"https://127.1:8443/hook",
	// full-width, circled and ideographic digits and dots
	"https://①②⑦.0.0.1/hook",
	"https://１２７．０．０．１/hook",
	"https://127。0。0。1/hook",
	"https://１２７.１/hook",
	"https://⑯⑨.②⑤④.⑯⑨.②⑤④/latest/meta-data",
	// IPv6 forms embedding IPv4
	"https://[::127.0.0.1]/hook",
	"https://[::ffff:127.0.0.1]/hook",
	"https://[::ffff:7f00:1]/hook",
	"https://[0:0:0:0:0:ffff:127.0.0.1]/hook",
	"https://[::ffff:0:127.0.0.1]/hook",
	"https://[64:ff9b::127.0.0.1]/hook",
	"https://[::ffff:a9fe:a9fe]/hook",
	"https://[::]/hook",
	"https://[0::1]/hook",
	// other blocked ranges, spelled oddly
	"https://0/hook",
	"https://0x0/hook",
	"https://10.1/hook",
	"https://012.0.0.1/hook",
	"https://167772161/hook",
	"https://192.168.1/hook",
	"https://0xc0a80101/hook",
	"https://0xa9.0xfe.0xa9.0xfe/latest/meta-data",
	"https://2852039166/latest/meta-data",
	"https://0251.0376.0251.0376/latest/meta-data",
	"https://172.16.1/hook",
	"https://100.64.1/hook",
}

func TestBlockedSpellingsRefusedLike127001(t *testing.T) {
	for _, u := range blockedSpellings {
		_, err := ValidateURL(context.Background(), u, false, fakeResolver{})
		if err == nil {
			t.Errorf("%s accepted", u)
			continue
		}
		if err.Error() != msgBlockedAddress {
			t.Errorf("%s: %q, want the message of 127.0.0.1", u, err)
		}
	}
}

// Public hosts in odd spellings are accepted and stored as they will be
// dialled; hosts that end in a number but are no IPv4 address are invalid.
// Beyond ASCII a URL is no URI (the contract's format): a public name so
// written is refused with the URI rule, a blocked address as blocked
// (TestBlockedSpellingsRefusedLike127001).
func TestHostsAreCanonical(t *testing.T) {
	for in, want := range map[string]string{
		"https://0x5d.0xb8.0xd8.0x22/x":        "https://93.184.216.34/x",
		"https://1572395042/x":                 "https://93.184.216.34/x",
		"https://93.184.55330:8443/x":          "https://93.184.216.34:8443/x",
		"https://EXAMPLE.com/h":                "https://example.com/h",
		"https://xn--bcher-kva.example/h":      "https://xn--bcher-kva.example/h",
		"https://XN--BCHER-KVA.example/h":      "https://xn--bcher-kva.example/h",
		"https://[2606:4700:0:0:0:0:0:1111]/h": "https://[2606:4700::1111]/h",
		"https://api.example.com:8443/h?x=1":   "https://api.example.com:8443/h?x=1",
		"https://example.com./h":               "https://example.com./h",
		"https://09.example.com/h":             "https://09.example.com/h",
		"https://0x1.example.com/h":            "https://0x1.example.com/h",
		"https://example.0x1g/h":               "https://example.0x1g/h",
		"https://[2606:4700::1111]:8443/h":     "https://[2606:4700::1111]:8443/h",
	} {
		u, err := ValidateURL(context.Background(), in, false, fakeResolver{})
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if u.String() != want {
			t.Errorf("%s stored as %s, want %s", in, u, want)
		}
	}
	for _, in := range []string{"https://1.2.3.4.5/", "https://1.2.3.08/", "https://256.1.1.1/", "https://1.2.3.256/", "https://1.2.65536/",
		"https://4294967296/", "https://0x100000000/", "https://example.1/", "https://[fe80::1%25eth0]/", "https://exa(mple).com/", "https://⑴.example/",
		"https://bücher.example/h", "https://ｅｘａｍｐｌｅ．ｃｏｍ/h", "https://１.example.com/h", "https://example.com/ü"} {
		if _, err := ValidateURL(context.Background(), in, false, fakeResolver{}); err == nil {
			t.Errorf("%s accepted", in)
		} else if _, ok := err.(*URLError); !ok {
			t.Errorf("%s: %T is not a URLError", in, err)
		}
	}
	// The sandbox stores the canonical form too, so local spellings dial.
	if u, err := ValidateURL(context.Background(), "http://127.1:9000/h", true, nil); err != nil || u.String() != "http://127.0.0.1:9000/h" {
		t.Fatalf("allow-private: %v %v", u, err)
	}
}
