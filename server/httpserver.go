package server

import (
	"io"
	"log"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/penguinmails/pmdev/server/httpx"
)

// Connection and request limits of NewHTTPServer; the contract's error
// section states them.
const (
	DefaultHeaderTimeout  = 10 * time.Second  // request line and headers
	DefaultBodyTimeout    = 30 * time.Second  // the whole body, from the end of the headers
	DefaultIdleTimeout    = 120 * time.Second // an idle keep-alive connection
	DefaultMaxURLBytes    = 8 << 10           // longer request targets answer 414
	DefaultMaxHeaderBytes = 32 << 10          // larger header sections answer 431
	// HardMaxHeaderBytes is http.Server.MaxHeaderBytes: net/http refuses a
	// request line plus headers over it (plus its 4 KiB slack) before any
	// handler runs; Listen's connections turn that answer into a problem.
	HardMaxHeaderBytes = 64 << 10
)

// HTTPOptions tunes NewHTTPServer and Listen; zero fields take the defaults.
type HTTPOptions struct {
	HeaderTimeout  time.Duration
	BodyTimeout    time.Duration
	IdleTimeout    time.Duration
	MaxURLBytes    int
	MaxHeaderBytes int
	// MaxConnsPerIP caps concurrent connections from one client address
	// (Listen); 0 means no cap. Load tests open hundreds from one address.
	MaxConnsPerIP int
	ErrorLog      *log.Logger
}

func (o HTTPOptions) withDefaults() HTTPOptions {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.HeaderTimeout, DefaultHeaderTimeout)
	def(&o.BodyTimeout, DefaultBodyTimeout)
	def(&o.IdleTimeout, DefaultIdleTimeout)
	if o.MaxURLBytes <= 0 {
		o.MaxURLBytes = DefaultMaxURLBytes
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	return o
}

// NewHTTPServer is the http.Server every command serves h with: headers
// within HeaderTimeout, each request body within BodyTimeout (a read
// deadline per request, so long responses are not cut), idle keep-alive
// connections closed after IdleTimeout, and problem answers for request
// targets and header sections over the limits. Serve it on a listener from
// Listen.
func NewHTTPServer(h http.Handler, o HTTPOptions) *http.Server {
	o = o.withDefaults()
	return &http.Server{
		Handler:           requestLimits(h, o),
		ReadHeaderTimeout: o.HeaderTimeout,
		IdleTimeout:       o.IdleTimeout,
		MaxHeaderBytes:    HardMaxHeaderBytes,
		ErrorLog:          o.ErrorLog,
	}
}

// requestLimits answers over-long targets (414) and header sections (431)
// before routing, and bounds the reading of the body.
func requestLimits(next http.Handler, o HTTPOptions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if len(r.RequestURI) > o.MaxURLBytes {
			w.Header().Set("Connection", "close")
			httpx.Error(w, http.StatusRequestURITooLong, "uri_too_long",
				"The request target is "+strconv.Itoa(len(r.RequestURI))+" bytes; at most "+strconv.Itoa(o.MaxURLBytes)+" are accepted")
			return
		}
		if n := headerBytes(r); n > o.MaxHeaderBytes {
			w.Header().Set("Connection", "close")
			httpx.Error(w, http.StatusRequestHeaderFieldsTooLarge, "headers_too_large",
				"The request headers are "+strconv.Itoa(n)+" bytes; at most "+strconv.Itoa(o.MaxHeaderBytes)+" are accepted")
			return
		}
		if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Now().Add(o.BodyTimeout))
		b := &timedBody{ReadCloser: r.Body, rc: rc}
		r.Body = b
		next.ServeHTTP(&unreadCloser{ResponseWriter: w, body: b}, r)
	})
}

// headerBytes is the size of r's header section as sent (Host included).
func headerBytes(r *http.Request) int {
	n := len("Host: \r\n") + len(r.Host)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// timedBody lifts the body's read deadline once the body is in: the
// connection's later reads (net/http watching for the client going away)
// must not time out under a long response.
type timedBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done atomic.Bool
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done.Swap(true) {
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// unreadCloser marks an answer given before the body was read (a refused
// credential, say) Connection: close, so net/http sends it at once instead
// of first draining a body that may never come; the drain that follows is
// bounded by the body's deadline.
type unreadCloser struct {
	http.ResponseWriter
	body  *timedBody
	wrote bool
}

func (w *unreadCloser) before() {
	if !w.wrote {
		w.wrote = true
		if !w.body.done.Load() {
			w.Header().Set("Connection", "close")
		}
	}
}

func (w *unreadCloser) WriteHeader(code int) {
	if code >= 200 {
		w.before()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *unreadCloser) Write(p []byte) (int, error) {
	w.before()
	return w.ResponseWriter.Write(p)
}

func (w *unreadCloser) Unwrap() http.ResponseWriter { return w.ResponseWriter }
