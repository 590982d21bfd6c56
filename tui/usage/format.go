package usage

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/penguinmails/pmdev/tui/common"
)

// axisLabel formats a y-axis magnitude; small scales keep one decimal so the
// labels do not repeat.
func axisLabel(maxV float64) func(float64) string {
	return func(v float64) string {
		if maxV < 10 {
			return strconv.FormatFloat(math.Round(v*10)/10, 'f', 1, 64)
		}
		return common.Thousands(int64(math.Round(v)))
	}
}

func pct(v float64) string {
	if v >= 99.95 && v < 100 {
		return "99.9%"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + "%"
}

func ms(v float64) string {
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
