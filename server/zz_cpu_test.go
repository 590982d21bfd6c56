package server

import (
	"syscall"
	"testing"
	"time"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestZZCPU(t *testing.T) {
	srv := newBenchServer(t)
	rate(t, srv, "/healthz", "", 200*time.Millisecond)
	for i := 0; i < 3; i++ {
		c0 := cpuNow()
		hr := rate(t, srv, "/healthz", "", 500*time.Millisecond)
		c1 := cpuNow()
		pr := rate(t, srv, "/api/v1/campaigns?limit=5", srv.key, 500*time.Millisecond)
		srv.s.Flush()
		c2 := cpuNow()
		hc := float64(c1-c0) / (hr * 0.5)
		pc := float64(c2-c1) / (pr * 0.5)
		t.Logf("healthz %.1fµs cpu/req, product %.1fµs cpu/req, cpu ratio %.2f", hc/1000, pc/1000, hc/pc)
	}
}
