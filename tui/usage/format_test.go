package usage

import "testing"

// A sub-millisecond latency is not "0 ms", as if the requests took no time.
func TestMSBelowOneMillisecond(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{0, "0 ms"}, {0.04, "<1 ms"}, {0.5, "<1 ms"}, {0.99, "<1 ms"}, {1, "1 ms"}, {142.4, "142 ms"}, {1500, "1.50 s"},
	} {
		if got := ms(tc.v); got != tc.want {
			t.Errorf("ms(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}
