package models

import "strconv"

// Plural is "1 second", "2 seconds".
func Plural[N int | int64](n N, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(int64(n), 10) + " " + many
}

// RetryMessage is the message of a 429 whose wait is secs seconds.
func RetryMessage(secs int) string {
	return "Rate limit exceeded. Try again in " + Plural(secs, "second", "seconds") + "."
}

// Round2 rounds to two decimals, as every rate, share and latency the API
// reports is.
func Round2(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }
