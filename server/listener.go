package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/penguinmails/pmdev/server/httpx"
)

// Listen opens a TCP listener on addr for NewHTTPServer (see WrapListener).
func Listen(addr string, o HTTPOptions) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return WrapListener(ln, o), nil
}

// WrapListener caps concurrent connections per client address at
// o.MaxConnsPerIP (0: no cap; one over the cap is answered 503 and
// closed) and makes the answers net/http writes by itself, before any
// handler runs (malformed request, header section over HardMaxHeaderBytes,
// unknown transfer coding), problem documents like every other answer.
func WrapListener(ln net.Listener, o HTTPOptions) net.Listener {
	return &listener{Listener: ln, max: o.MaxConnsPerIP, open: map[string]int{}}
}

type listener struct {
	net.Listener
	max  int
	mu   sync.Mutex
	open map[string]int // connections per client address
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.max <= 0 {
			return &conn{Conn: c}, nil
		}
		ip := c.RemoteAddr().String()
		if host, _, err := net.SplitHostPort(ip); err == nil {
			ip = host
		}
		l.mu.Lock()
		if l.open[ip] >= l.max {
			l.mu.Unlock()
			go refuse(c, l.max)
			continue
		}
		l.open[ip]++
		l.mu.Unlock()
		return &conn{Conn: c, release: func() {
			l.mu.Lock()
			if l.open[ip]--; l.open[ip] <= 0 {
				delete(l.open, ip)
			}
			l.mu.Unlock()
		}}, nil
	}
}

// refuse answers a connection over the cap with a 503 problem and closes
// it gently (half-close, then a short drain) so the answer is not lost to
// a reset.
func refuse(c net.Conn, max int) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	p := httpx.NewProblem(http.StatusServiceUnavailable, "too_many_connections",
		"Too many open connections from your address (at most "+strconv.Itoa(max)+"); reuse one or retry shortly")
	p.RetryAfter = 1
	if _, err := c.Write(rawProblem(p.Status, p)); err != nil {
		return
	}
	if tc, ok := c.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(c, 64<<10))
}

// rawProblem is a whole HTTP/1.1 answer carrying problem v, for writing
// straight onto a connection.
func rawProblem(status int, v any) []byte {
	body, _ := json.Marshal(v)
	body = append(body, '\n')
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 " + strconv.Itoa(status) + " " + http.StatusText(status) + "\r\n")
	b.WriteString("Content-Type: application/problem+json\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n")
	if status == http.StatusServiceUnavailable {
		b.WriteString("Retry-After: 1\r\n")
	}
	b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
	b.Write(body)
	return b.Bytes()
}

// conn rewrites the plain-text answers net/http writes by itself when it
// cannot parse a request. They are one Write of a fixed shape: status
// line, exactly these headers, the status as body. Handler answers never
// match: they always carry a Date header.
type conn struct {
	net.Conn
	release func()
	once    sync.Once
}

const netHTTPErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

func (c *conn) Write(b []byte) (int, error) {
	if !bytes.HasPrefix(b, []byte("HTTP/1.1 ")) || len(b) < 12 {
		return c.Conn.Write(b)
	}
	i := bytes.Index(b, []byte(netHTTPErrorHeaders))
	status, err := strconv.Atoi(string(b[9:12]))
	if i < 0 || bytes.IndexByte(b[:i], '\n') >= 0 || err != nil || status < 400 {
		return c.Conn.Write(b)
	}
	// The body is "400 Bad Request: why", "431 Request Header Fields Too
	// Large" or a sentence ("Unsupported transfer encoding").
	detail := string(b[i+len(netHTTPErrorHeaders):])
	if prefix := strconv.Itoa(status) + " "; strings.HasPrefix(detail, prefix) {
		detail = strings.TrimPrefix(detail, prefix+http.StatusText(status))
		detail = strings.TrimPrefix(detail, ": ")
	}
	if detail == "" {
		detail = http.StatusText(status)
	}
	// What net/http answers by itself: 400, 431, 501 and 505.
	code := map[int]string{
		http.StatusRequestHeaderFieldsTooLarge: "headers_too_large",
		http.StatusNotImplemented:              "not_implemented",
		http.StatusHTTPVersionNotSupported:     "http_version_not_supported",
	}[status]
	if code == "" {
		code = "malformed_request"
	}
	msg := "The request could not be read: " + detail
	if status == http.StatusRequestHeaderFieldsTooLarge {
		msg = "The request line and headers exceed " + strconv.Itoa(HardMaxHeaderBytes>>10) + " KiB"
	}
	if _, err := c.Conn.Write(rawProblem(status, httpx.NewProblem(status, code, msg))); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (c *conn) Close() error {
	if c.release != nil {
		c.once.Do(c.release)
	}
	return c.Conn.Close()
}
