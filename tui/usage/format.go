package usage

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
)

func pct(v float64) string {
	if v >= 99.95 && v < 100 {
		return "99.9%"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + "%"
}

func ms(v float64) string {
	if v > 0 && v < 1 {
		// Rounding would say "0 ms", as if the requests took no time.
		return "<1 ms"
	}
	if v >= 1000 {
		return strconv.FormatFloat(v/1000, 'f', 2, 64) + " s"
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + " ms"
}

// bucketName describes a bucket size: "1-minute", "15-minute", "1-hour".
func bucketName(sec int) string {
	d := time.Duration(sec) * time.Second
	switch {
	case sec <= 0:
		return "?"
	case d%time.Hour == 0 && d >= time.Hour:
		return fmt.Sprintf("%d-hour", int(d/time.Hour))
	case d%time.Minute == 0:
		return fmt.Sprintf("%d-minute", int(d/time.Minute))
	}
	return fmt.Sprintf("%d-second", sec)
}

// wrap word-wraps a (possibly styled) line to w columns.
func wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	return strings.Split(lipgloss.NewStyle().Width(w).Render(s), "\n")
}
